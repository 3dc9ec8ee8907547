// `slimlm bench MODEL [-p 512] [-n 128] [-b 1] [-r 5]`: prompt processing (pp)
// and token generation (tg) tokens/s like llama-bench, one row per test, as a
// markdown table, CSV or JSON. --roofline adds the machine's limits: prefill
// GFLOP/s against the measured sgemm peak, decode bytes/s against the
// measured memory-copy bandwidth.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "slimlm/cli/command.h"
#include "slimlm/core/error.h"
#include "slimlm/core/log.h"
#include "slimlm/core/threads.h"
#include "slimlm/eval/peaks.h"
#include "slimlm/eval/roofline.h"
#include "slimlm/eval/speed.h"
#include "slimlm/model/model.h"

namespace slimlm::cli {
namespace {

using Json = nlohmann::ordered_json;

struct BenchOptions {
  std::string model;
  std::vector<int64_t> n_prompt = {512};
  std::vector<int64_t> n_gen = {128};
  int64_t batch = 1;
  int repetitions = 5;
  int warmup = 1;
  bool csv = false;
  bool json = false;
  bool roofline = false;
};

struct Roof {
  std::string unit;  // "GFLOP/s" or "GB/s"
  double achieved = 0.0;
  double peak = 0.0;
  double fraction() const { return peak > 0 ? achieved / peak : 0.0; }
};

struct Row {
  eval::SpeedResult speed;
  std::optional<Roof> roof;
};

struct Peaks {
  eval::GemmRate best;
  std::vector<eval::GemmRate> shapes;
  eval::Bandwidth copy;
};

std::string model_name(const std::string& dir) {
  std::filesystem::path p(dir);
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

std::string params_cell(uint64_t n) {
  const double v = static_cast<double>(n);
  if (v >= 1e9) return fmt::format("{:.2f} B", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f} M", v / 1e6);
  return fmt::format("{:.2f} K", v / 1e3);
}

std::string size_cell(uint64_t bytes) {
  const double v = static_cast<double>(bytes);
  if (v >= 1024.0 * 1024 * 1024) return fmt::format("{:.2f} GiB", v / (1024.0 * 1024 * 1024));
  return fmt::format("{:.2f} MiB", v / (1024.0 * 1024));
}

// The copy buffer is as large as the weights: decode streams exactly that
// working set each token, so the copy rate at that size (from whichever
// cache level or DRAM holds it) is the bound decode is held to.
Peaks measure_peaks(const io::ModelConfig& c, int64_t tokens, uint64_t weight_bytes) {
  Peaks p;
  const int64_t M = std::clamp<int64_t>(tokens, 2, 4096);
  for (const auto& shape : eval::projection_shapes(c, M, M)) {
    p.shapes.push_back(eval::measure_sgemm(shape));
    if (p.shapes.back().gflops > p.best.gflops) p.best = p.shapes.back();
  }
  p.copy = eval::measure_copy_bandwidth(std::max<size_t>(weight_bytes, size_t{16} << 20));
  return p;
}

Roof roof_for(const eval::SpeedResult& s, const io::ModelConfig& c, double bytes_per_param, const Peaks& peaks) {
  Roof r;
  const double tps = s.rate.mean;
  if (s.kind == eval::SpeedKind::kPrefill) {
    // batch 1 goes through decode(), which computes logits for the last token only.
    const int64_t logit_rows = s.batch == 1 ? 1 : s.n_tokens;
    const double flops_per_token = eval::forward_flops(c, s.n_tokens, logit_rows) / static_cast<double>(s.n_tokens);
    r.unit = "GFLOP/s";
    r.achieved = flops_per_token * tps * 1e-9;
    r.peak = peaks.best.gflops;
  } else {
    // The cache grows from 0 to n: on average n/2 cached tokens are read.
    const double bytes = eval::decode_bytes_per_token(c, bytes_per_param, s.n_tokens / 2);
    r.unit = "GB/s";
    r.achieved = bytes * tps * 1e-9;
    r.peak = peaks.copy.gbs;
  }
  return r;
}

int run_bench(const BenchOptions& o) {
  const auto model = model::Model::load(o.model);
  const std::string name = model_name(o.model);
  const uint64_t size = model->weight_bytes();
  const uint64_t params = model->parameter_count();
  const double bytes_per_param = params ? static_cast<double>(size) / static_cast<double>(params) : 4.0;
  const int threads = num_threads();

  eval::SpeedOptions so;
  so.repetitions = o.repetitions;
  so.warmup = o.warmup;
  std::vector<Row> rows;
  for (int64_t p : o.n_prompt) {
    if (p > 0) rows.push_back({eval::SpeedResult{eval::SpeedKind::kPrefill, fmt::format("pp{}", p), p, o.batch}, std::nullopt});
  }
  for (int64_t n : o.n_gen) {
    if (n > 0) rows.push_back({eval::SpeedResult{eval::SpeedKind::kDecode, fmt::format("tg{}", n), n, 1}, std::nullopt});
  }
  if (rows.empty()) throw ConfigError("-p and -n are both 0: nothing to measure");

  // Peaks are measured before and after the tests and the better kept: on a
  // shared machine a burst of other work during one measurement would
  // otherwise pass for the machine's limit.
  std::optional<Peaks> peaks;
  int64_t pp_tokens = 512;
  for (const auto& r : rows) {
    if (r.speed.kind == eval::SpeedKind::kPrefill) pp_tokens = r.speed.n_tokens * r.speed.batch;
  }
  if (o.roofline) peaks = measure_peaks(model->config(), pp_tokens, size);

  for (auto& r : rows) {
    r.speed = r.speed.kind == eval::SpeedKind::kPrefill ? eval::bench_prefill(*model, r.speed.n_tokens, o.batch, so)
                                                        : eval::bench_decode(*model, r.speed.n_tokens, so);
  }

  if (o.roofline) {
    const Peaks after = measure_peaks(model->config(), pp_tokens, size);
    for (size_t i = 0; i < peaks->shapes.size(); ++i) {
      if (after.shapes[i].gflops > peaks->shapes[i].gflops) peaks->shapes[i] = after.shapes[i];
      if (peaks->shapes[i].gflops > peaks->best.gflops) peaks->best = peaks->shapes[i];
    }
    if (after.copy.gbs > peaks->copy.gbs) peaks->copy = after.copy;
    for (auto& r : rows) r.roof = roof_for(r.speed, model->config(), bytes_per_param, *peaks);
  }

  if (o.json) {
    Json out = Json::array();
    for (const auto& r : rows) {
      Json j = {{"model", name},          {"model_dir", o.model},
                {"size_bytes", size},     {"params", params},
                {"backend", "CPU"},       {"threads", threads},
                {"test", r.speed.test},   {"n_prompt", r.speed.kind == eval::SpeedKind::kPrefill ? r.speed.n_tokens : 0},
                {"n_gen", r.speed.kind == eval::SpeedKind::kDecode ? r.speed.n_tokens : 0},
                {"batch", r.speed.batch}, {"repetitions", o.repetitions},
                {"avg_ts", r.speed.rate.mean}, {"stddev_ts", r.speed.rate.sd},
                {"samples_ts", r.speed.tps}, {"samples_s", r.speed.seconds}};
      if (r.roof) {
        j["roofline"] = {{"unit", r.roof->unit}, {"achieved", r.roof->achieved},
                         {"peak", r.roof->peak}, {"fraction", r.roof->fraction()}};
      }
      out.push_back(j);
    }
    if (peaks) {
      Json shapes = Json::array();
      for (const auto& g : peaks->shapes) {
        shapes.push_back({{"what", g.shape.what}, {"M", g.shape.M}, {"N", g.shape.N}, {"K", g.shape.K},
                          {"gflops", g.gflops}});
      }
      out = {{"rows", out},
             {"peaks", {{"sgemm_gflops", peaks->best.gflops}, {"sgemm_shapes", shapes},
                        {"copy_gbs", peaks->copy.gbs}, {"copy_buffer_bytes", peaks->copy.bytes},
                        {"threads", threads}}}};
    }
    std::puts(out.dump(2).c_str());
    return kExitOk;
  }

  if (o.csv) {
    std::puts(o.roofline ? "model,size_bytes,params,backend,threads,test,batch,avg_ts,stddev_ts,roof_unit,"
                           "roof_achieved,roof_peak,roof_fraction"
                         : "model,size_bytes,params,backend,threads,test,batch,avg_ts,stddev_ts");
    for (const auto& r : rows) {
      std::string line = fmt::format("{},{},{},CPU,{},{},{},{:.4f},{:.4f}", name, size, params, threads,
                                     r.speed.test, r.speed.batch, r.speed.rate.mean, r.speed.rate.sd);
      if (r.roof) {
        line += fmt::format(",{},{:.4f},{:.4f},{:.4f}", r.roof->unit, r.roof->achieved, r.roof->peak,
                            r.roof->fraction());
      }
      std::puts(line.c_str());
    }
    return kExitOk;
  }

  std::string header = "| model | size | params | backend | threads | test | t/s |";
  std::string rule = "| --- | ---: | ---: | --- | ---: | --- | ---: |";
  if (o.roofline) {
    header += " achieved | % of peak |";
    rule += " ---: | ---: |";
  }
  std::puts(header.c_str());
  std::puts(rule.c_str());
  for (const auto& r : rows) {
    const std::string test = r.speed.batch > 1 ? fmt::format("{} x{}", r.speed.test, r.speed.batch) : r.speed.test;
    std::string line = fmt::format("| {} | {} | {} | CPU | {} | {} | {:.2f} ± {:.2f} |", name, size_cell(size),
                                   params_cell(params), threads, test, r.speed.rate.mean, r.speed.rate.sd);
    if (r.roof) {
      line += fmt::format(" {:.1f} {} | {:.1f} % of {} |", r.roof->achieved, r.roof->unit,
                          100.0 * r.roof->fraction(),
                          r.speed.kind == eval::SpeedKind::kPrefill ? "sgemm" : "memcpy");
    }
    std::puts(line.c_str());
  }
  if (peaks) {
    std::printf("\nsgemm peak: %.1f GFLOP/s (%s, M=%lld N=%lld K=%lld, %d threads); by shape:",
                peaks->best.gflops, peaks->best.shape.what.c_str(), static_cast<long long>(peaks->best.shape.M),
                static_cast<long long>(peaks->best.shape.N), static_cast<long long>(peaks->best.shape.K), threads);
    for (const auto& g : peaks->shapes) std::printf(" %s %.1f", g.shape.what.c_str(), g.gflops);
    std::printf("\nmemcpy bandwidth: %.2f GB/s (read + write, %zu MiB buffers = the weights' size, %d threads)\n", peaks->copy.gbs,
                peaks->copy.bytes >> 20, threads);
    for (const auto& r : rows) {
      if (r.speed.kind != eval::SpeedKind::kDecode) continue;
      const double bytes = eval::decode_bytes_per_token(model->config(), bytes_per_param, r.speed.n_tokens / 2);
      std::printf("%s: %.2f MB read per token -> bandwidth bound %.1f t/s, measured %.1f t/s\n",
                  r.speed.test.c_str(), bytes * 1e-6, peaks->copy.gbs * 1e9 / bytes, r.speed.rate.mean);
    }
  }
  return kExitOk;
}

}  // namespace

RunFn setup_bench(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  app.add_option("MODEL", o->model, "Model folder (config.json, *.safetensors)")->required();
  app.add_option("-p,--n-prompt", o->n_prompt, "Prompt tokens per pp test (comma list; 0 = no pp)")
      ->delimiter(',')
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("-n,--n-gen", o->n_gen, "Tokens per tg test (comma list; 0 = no tg)")
      ->delimiter(',')
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("-b,--batch", o->batch, "Sequences per pp pass (1: KV-cache prefill; >1: batched scoring)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("-r,--repetitions", o->repetitions, "Timed repetitions per test")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--warmup", o->warmup, "Untimed runs before the repetitions")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  auto* csv = app.add_flag("--csv", o->csv, "CSV rows");
  auto* json = app.add_flag("--json", o->json, "A JSON array of rows");
  csv->excludes(json);
  app.add_flag("--roofline", o->roofline,
               "Also measure the sgemm peak and memory-copy bandwidth and print each test as a "
               "fraction of its bound");
  return [o]() { return run_bench(*o); };
}

}  // namespace slimlm::cli
