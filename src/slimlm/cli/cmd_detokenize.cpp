// slimlm detokenize PATH ids...: the text a list of token ids decodes to.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "slimlm/cli/command.h"
#include "slimlm/core/error.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::cli {

tokenizer::Tokenizer load_cli_tokenizer(const std::string& path, const std::string& preset);

namespace {

struct DetokenizeArgs {
  std::string path;
  std::vector<std::string> ids;
  std::string preset = "gpt2";
  bool skip_special = false;
};

int32_t parse_id(const std::string& s) {
  size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != s.size() || v < 0 || v > INT32_MAX) throw ConfigError("detokenize: '" + s + "' is not a token id");
  return static_cast<int32_t>(v);
}

}  // namespace

RunFn setup_detokenize(CLI::App& app) {
  auto a = std::make_shared<DetokenizeArgs>();
  app.add_option("path", a->path, "Model folder, tokenizer.json, or folder with vocab.json + merges.txt")
      ->required();
  app.add_option("ids", a->ids, "Token ids (separate arguments, or one argument with spaces or commas)")
      ->required();
  app.add_flag("--skip-special", a->skip_special, "Leave out special tokens (BOS, EOS, ...)");
  app.add_option("--preset", a->preset, "Pipeline for a legacy vocab + merges pair: gpt2 or llama3")
      ->capture_default_str();
  return [a]() -> int {
    std::vector<int32_t> ids;
    for (const std::string& arg : a->ids) {
      std::string cur;
      for (char c : arg + " ") {
        if (c == ' ' || c == ',' || c == '\n' || c == '\t') {
          if (!cur.empty()) ids.push_back(parse_id(cur));
          cur.clear();
        } else {
          cur.push_back(c);
        }
      }
    }
    const auto tok = load_cli_tokenizer(a->path, a->preset);
    for (int32_t id : ids) {
      if (id >= tok.vocab_size())
        throw ConfigError("detokenize: id " + std::to_string(id) + " is outside the vocabulary of " + tok.source() +
                          " (size " + std::to_string(tok.vocab_size()) + ")");
    }
    const std::string text = tok.decode(ids, a->skip_special) + "\n";
    std::fwrite(text.data(), 1, text.size(), stdout);
    return kExitOk;
  };
}

}  // namespace slimlm::cli
