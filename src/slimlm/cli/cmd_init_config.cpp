// `slimlm init-config [-o FILE] [--kind default|baseline|search] [--model DIR]
// [--force]`: writes a commented example study config (configs/*.yaml,
// embedded in the binary). Its relative paths (model, output, the texts)
// are rewritten to stay right from where the copy goes; --model points it
// at another model folder. Without -o it prints to stdout, paths relative
// to the current folder.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <regex>
#include <sstream>
#include <string>

#include "slimlm/cli/command.h"
#include "slimlm/cli/example_configs.h"
#include "slimlm/core/error.h"
#include "slimlm/io/atomic_file.h"
#include "slimlm/search/study_config.h"

namespace slimlm::cli {
namespace {

namespace fs = std::filesystem;

struct InitConfigOptions {
  std::string output;
  std::string kind = "default";
  std::string model;
  bool force = false;
};

// `path` (absolute) as the config at `dest_dir` should write it: relative
// when the two share a folder below the root (the copy can move with its
// tree), else absolute.
std::string shown_path(const fs::path& path, const fs::path& dest_dir) {
  auto p = path.begin(), d = dest_dir.begin();
  int common = 0;
  for (; p != path.end() && d != dest_dir.end() && *p == *d; ++p, ++d) ++common;
  if (common < 2) return path.string();  // only "/" in common
  const fs::path rel = path.lexically_relative(dest_dir);
  return rel.empty() ? path.string() : rel.string();
}

// Rewrites the values of `model:`, `output:` and `text:` lines (block
// style, as the examples write them), keeping indentation and comments.
std::string rewrite_paths(std::string_view text, const fs::path& dest_dir, const std::string& model) {
  static const std::regex line_re(R"(^(\s*)(model|output|text):(\s+)([^\s#{}\[\]]+)(\s+#.*)?$)");
  const fs::path source_dir(kExampleConfigDir);
  std::istringstream in{std::string(text)};
  std::string out, line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, line_re) && m[4].str().find("${") == std::string::npos) {
      fs::path target = (source_dir / m[4].str()).lexically_normal();
      if (m[2] == "model" && !model.empty()) target = fs::absolute(model).lexically_normal();
      const std::string value = shown_path(target, dest_dir);
      // Keep trailing comments aligned where the new value allows.
      std::string comment = m[5].str();
      const auto hash = comment.find('#');
      if (hash != std::string::npos) {
        const size_t old_end = m[1].length() + m[2].length() + 1 + m[3].length() + m[4].length();
        const size_t new_end = m[1].length() + m[2].length() + 1 + m[3].length() + value.size();
        const size_t col = old_end + hash;
        comment = std::string(col > new_end ? col - new_end : 1, ' ') + comment.substr(hash);
      }
      line = m[1].str() + m[2].str() + ":" + m[3].str() + value + comment;
    }
    out += line + "\n";
  }
  return out;
}

int run_init_config(const InitConfigOptions& o) {
  const ExampleConfig* example = nullptr;
  std::string kinds;
  for (const auto& e : example_configs()) {
    kinds += (kinds.empty() ? "" : ", ") + std::string(e.kind);
    if (e.kind == o.kind) example = &e;
  }
  if (!example) throw ConfigError(fmt::format("--kind {}: choose one of: {}", o.kind, kinds));
  if (!o.model.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(fs::path(o.model) / "config.json", ec)) {
      throw ConfigError(fmt::format("--model {}: not a model folder (no config.json)", o.model));
    }
  }
  if (o.output.empty()) {
    const std::string text = rewrite_paths(example->text, fs::current_path(), o.model);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return kExitOk;
  }
  const fs::path out = fs::absolute(o.output).lexically_normal();
  std::error_code ec;
  if (fs::exists(out, ec) && !o.force) {
    throw ConfigError(fmt::format("-o {}: the file exists; --force replaces it", o.output));
  }
  if (fs::is_directory(out, ec)) throw ConfigError(fmt::format("-o {}: is a folder", o.output));
  io::write_text_atomic(out, rewrite_paths(example->text, out.parent_path(), o.model));
  // The example may not fit another model as written (e.g. a group size that
  // does not divide its rows): say so now rather than at `optimize`.
  try {
    search::load_study_config(out);
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "note: edit it before use; as written: %s\n", e.what());
  }
  std::printf("wrote %s (%s example)\n  check it:  slimlm validate-config %s\n  run it:    slimlm optimize %s\n",
              o.output.c_str(), o.kind.c_str(), o.output.c_str(), o.output.c_str());
  return kExitOk;
}

}  // namespace

RunFn setup_init_config(CLI::App& app) {
  auto o = std::make_shared<InitConfigOptions>();
  app.add_option("-o,--output", o->output, "File to write (default: print to stdout)");
  app.add_option("--kind", o->kind,
                 "default (a small search), baseline (fixed recipes side by side) or search (every search option)")
      ->capture_default_str();
  app.add_option("--model", o->model, "Model folder the config compresses (default: the bundled tiny-llama)");
  app.add_flag("--force", o->force, "Replace an existing file");
  return [o]() { return run_init_config(*o); };
}

}  // namespace slimlm::cli
