// `slimlm generate MODEL --prompt TEXT`: streams the continuation to stdout as
// tokens arrive (only whole UTF-8 characters), then one stats line on stderr.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "slimlm/cli/command.h"
#include "slimlm/core/error.h"
#include "slimlm/core/log.h"
#include "slimlm/core/threads.h"
#include "slimlm/eval/generate.h"
#include "slimlm/eval/text_stream.h"
#include "slimlm/model/model.h"
#include "slimlm/model/sampler.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::cli {
namespace {

struct GenerateCliOptions {
  std::string model;
  std::string prompt;
  int64_t n = 128;
  int64_t ctx = 0;
  model::SamplerParams sampling;
  std::optional<uint64_t> seed;
  bool ignore_eos = false;
  bool no_echo = false;
};

std::vector<int32_t> stop_ids(const model::Model& m, const tokenizer::Tokenizer& tok) {
  std::vector<int32_t> ids;
  for (int64_t e : m.config().eos_token_ids) ids.push_back(static_cast<int32_t>(e));
  if (auto e = tok.eos_id(); e && std::find(ids.begin(), ids.end(), *e) == ids.end()) ids.push_back(*e);
  return ids;
}

int run_generate(GenerateCliOptions o) {
  if (o.prompt.empty()) throw ConfigError("--prompt must not be empty");
  o.sampling.seed = o.seed ? *o.seed : std::random_device{}();
  model::Sampler sampler(o.sampling);  // validates the flags before the model loads

  const auto model = model::Model::load(o.model);
  const auto tok = tokenizer::Tokenizer::from_file(o.model);
  const std::vector<int32_t> prompt = tok.encode(o.prompt, true);

  eval::GenerateOptions go;
  go.max_new_tokens = o.n;
  go.ctx = o.ctx;
  if (!o.ignore_eos) go.stop_ids = stop_ids(*model, tok);

  eval::TextStream stream([&tok](std::span<const int32_t> ids) { return tok.decode(ids, false); });
  if (!o.no_echo) {
    std::fputs(o.prompt.c_str(), stdout);
    std::fflush(stdout);
  }
  const eval::GenerateResult r = eval::generate(*model, sampler, prompt, go, [&](int32_t id) {
    const std::string piece = stream.push(id);
    if (!piece.empty()) {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
      std::fflush(stdout);
    }
  });
  const std::string rest = stream.flush();
  std::fwrite(rest.data(), 1, rest.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);

  const char* stop = r.stopped_at_eos ? "eos" : r.hit_ctx ? "ctx" : "length";
  std::fprintf(stderr,
               "prompt: %lld tokens, %.2f t/s | generated: %zu tokens, %.2f t/s | stop: %s | %s | %d threads\n",
               static_cast<long long>(r.prompt_tokens), r.prompt_tps(), r.new_ids.size(), r.gen_tps(), stop,
               model::describe(sampler.params()).c_str(), num_threads());
  return kExitOk;
}

}  // namespace

RunFn setup_generate(CLI::App& app) {
  auto o = std::make_shared<GenerateCliOptions>();
  app.add_option("MODEL", o->model, "Model folder (config.json, *.safetensors, tokenizer.json)")->required();
  app.add_option("-p,--prompt", o->prompt, "Prompt text (encoded with the tokenizer's default special tokens)")
      ->required();
  app.add_option("-n,--n-predict", o->n, "Tokens to generate at most")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--temp", o->sampling.temperature, "Temperature; 0 = greedy")->capture_default_str();
  app.add_option("--top-k", o->sampling.top_k, "Keep the k most likely tokens; 0 = off")->capture_default_str();
  app.add_option("--top-p", o->sampling.top_p, "Nucleus: smallest set with this probability mass; 1 = off")
      ->capture_default_str();
  app.add_option("--min-p", o->sampling.min_p, "Drop tokens below min-p x the top probability; 0 = off")
      ->capture_default_str();
  app.add_option("--repeat-penalty", o->sampling.repeat_penalty, "Penalty for recent tokens; 1 = off")
      ->capture_default_str();
  app.add_option("--repeat-last-n", o->sampling.repeat_last_n, "Tokens the penalty looks back on; -1 = all")
      ->capture_default_str();
  app.add_option("-s,--seed", o->seed, "Random seed (default: random, printed on stderr)");
  app.add_option("-c,--ctx", o->ctx, "KV-cache size in tokens (default: prompt + n)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--ignore-eos", o->ignore_eos, "Keep generating past the end-of-sequence token");
  app.add_flag("--no-echo", o->no_echo, "Print only the generated text, not the prompt");
  return [o]() { return run_generate(*o); };
}

}  // namespace slimlm::cli
