// slimlm tokenize PATH (--text STR | --file FILE): token ids (or pieces, or
// the count) of a text under a model folder's tokenizer.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "slimlm/cli/command.h"
#include "slimlm/core/error.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::cli {

namespace {

struct TokenizeArgs {
  std::string path;
  std::string text;
  std::string file;
  std::string preset = "gpt2";
  bool pieces = false;
  bool count = false;
  bool no_special = false;
  bool json = false;
};

std::string read_input(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IoError(file + ": cannot open for reading (--file)");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

// Shared with cmd_detokenize.cpp: --preset names how a legacy vocab + merges
// pair is completed.
tokenizer::Tokenizer load_cli_tokenizer(const std::string& path, const std::string& preset) {
  const auto p = tokenizer::bpe_preset_from_string(preset);
  if (!p) throw ConfigError("--preset: unknown preset '" + preset + "' (gpt2 or llama3)");
  return tokenizer::Tokenizer::from_file(path, *p);
}

RunFn setup_tokenize(CLI::App& app) {
  auto a = std::make_shared<TokenizeArgs>();
  app.add_option("path", a->path, "Model folder, tokenizer.json, or folder with vocab.json + merges.txt")
      ->required();
  auto* text = app.add_option("--text", a->text, "Text to tokenize");
  auto* file = app.add_option("--file", a->file, "File whose whole content is tokenized");
  text->excludes(file);
  app.add_flag("--pieces", a->pieces, "Print the token strings instead of ids");
  app.add_flag("--count", a->count, "Print only the number of tokens");
  app.add_flag("--no-special", a->no_special, "Do not add BOS/EOS (add_special_tokens=false)");
  app.add_flag("--json", a->json, "Print {\"count\", \"ids\", \"pieces\"} as JSON");
  app.add_option("--preset", a->preset, "Pipeline for a legacy vocab + merges pair: gpt2 or llama3")
      ->capture_default_str();
  return [a, text, file]() -> int {
    if (text->count() == 0 && file->count() == 0) throw ConfigError("tokenize: give --text or --file");
    const auto tok = load_cli_tokenizer(a->path, a->preset);
    const std::string input = file->count() ? read_input(a->file) : a->text;
    const auto ids = tok.encode(input, !a->no_special);
    if (a->json) {
      nlohmann::ordered_json j;
      j["count"] = ids.size();
      j["ids"] = ids;
      auto& pieces = j["pieces"] = nlohmann::ordered_json::array();
      for (int32_t id : ids) pieces.push_back(tok.id_to_piece(id));
      std::fputs((j.dump() + "\n").c_str(), stdout);
      return kExitOk;
    }
    if (a->count) {
      fmt::print("{}\n", ids.size());
      return kExitOk;
    }
    std::string line;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i) line.push_back(' ');
      line += a->pieces ? tok.id_to_piece(ids[i]) : std::to_string(ids[i]);
    }
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stdout);
    return kExitOk;
  };
}

}  // namespace slimlm::cli
