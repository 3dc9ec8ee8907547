// Encode throughput on WikiText-2 raw test (corpora/wikitext-2-raw/wiki.test.raw
// under $SLIMLM_DATA) for the tokenizers the conformance tests cover, in the
// units of work of tools/bench_hf_tokenizer.py, which measures HF tokenizers:
//   file   encode(whole file as one string), one thread
//   lines  encode(line) for every line ("\n" kept), one thread
//   batch  encode_batch(lines) on all hardware threads
// add_special_tokens=false throughout. MB_per_s = file bytes / 1e6 / second.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "slimlm/tokenizer/tokenizer.h"

namespace {

namespace fs = std::filesystem;
using slimlm::tokenizer::BpePreset;
using slimlm::tokenizer::Tokenizer;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Corpus {
  std::string text;
  std::vector<std::string> lines;
};

void set_rate(benchmark::State& state, const Corpus& c, size_t tokens) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.text.size()));
  state.counters["MB_per_s"] = benchmark::Counter(static_cast<double>(c.text.size()) / 1e6,
                                                  benchmark::Counter::kIsIterationInvariantRate);
  state.counters["tokens"] = static_cast<double>(tokens);
}

void register_tokenizer(const std::string& name, std::function<Tokenizer()> load, const Corpus& corpus) {
  auto tok = std::make_shared<Tokenizer>(load());
  benchmark::RegisterBenchmark(("encode/" + name + "/file").c_str(), [tok, &corpus](benchmark::State& state) {
    size_t n = 0;
    for (auto _ : state) {
      auto ids = tok->encode(corpus.text, false);
      n = ids.size();
      benchmark::DoNotOptimize(ids.data());
    }
    set_rate(state, corpus, n);
  })->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
  benchmark::RegisterBenchmark(("encode/" + name + "/lines").c_str(), [tok, &corpus](benchmark::State& state) {
    size_t n = 0;
    for (auto _ : state) {
      n = 0;
      for (const auto& line : corpus.lines) n += tok->encode(line, false).size();
    }
    set_rate(state, corpus, n);
  })->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
  benchmark::RegisterBenchmark(("encode/" + name + "/batch").c_str(), [tok, &corpus](benchmark::State& state) {
    size_t n = 0;
    for (auto _ : state) {
      auto all = tok->encode_batch(corpus.lines, false);
      n = 0;
      for (const auto& ids : all) n += ids.size();
    }
    set_rate(state, corpus, n);
  })->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) {
  const char* env = std::getenv("SLIMLM_DATA");
  if (!env || !*env) {
    std::cerr << "bench_tokenizer: set SLIMLM_DATA to the shared data folder\n";
    return 2;
  }
  const fs::path data(env);
  static Corpus corpus;
  corpus.text = read_file(data / "corpora/wikitext-2-raw/wiki.test.raw");
  if (corpus.text.empty()) {
    std::cerr << "bench_tokenizer: cannot read " << (data / "corpora/wikitext-2-raw/wiki.test.raw") << "\n";
    return 2;
  }
  for (size_t pos = 0; pos < corpus.text.size();) {
    size_t end = corpus.text.find('\n', pos);
    end = end == std::string::npos ? corpus.text.size() : end + 1;
    corpus.lines.push_back(corpus.text.substr(pos, end - pos));
    pos = end;
  }
  const fs::path t = data / "tokenizers";
  register_tokenizer("gpt2", [&] { return Tokenizer::from_bpe_files(t / "gpt2/encoder.json", t / "gpt2/vocab.bpe", BpePreset::kGpt2); }, corpus);
  register_tokenizer("llama3", [&] { return Tokenizer::from_bpe_files(t / "llama3/encoder.json", t / "llama3/vocab.bpe", BpePreset::kLlama3); }, corpus);
  register_tokenizer("llama2", [&] { return Tokenizer::from_file(t / "llama2/tokenizer.json"); }, corpus);
  register_tokenizer("bench-llama-26m", [&] { return Tokenizer::from_file(data / "models/bench-llama-26m/tokenizer.json"); }, corpus);

  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
