#include "slimlm/cli/cmd_info.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/io/checkpoint.h"
#include "slimlm/io/hf_config.h"
#include "slimlm/io/parameter_count.h"
#include "slimlm/quant/checkpoint_summary.h"

namespace slimlm::cli {
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

constexpr std::array<std::string_view, 7> kTokenizerFiles = {
    "tokenizer.json",          "tokenizer.model",         "tokenizer_config.json",
    "vocab.json",              "merges.txt",              "special_tokens_map.json",
    "generation_config.json",
};

constexpr std::array<io::ParamGroup, io::kNumParamGroups> kGroups = {
    io::ParamGroup::kEmbeddings, io::ParamGroup::kAttention, io::ParamGroup::kMlp,
    io::ParamGroup::kNorms,      io::ParamGroup::kLmHead,    io::ParamGroup::kOther,
};

Json counts_json(const io::ParameterCounts& p) {
  Json j = Json::object();
  for (auto g : kGroups) j[std::string(io::to_string(g))] = p[g];
  j["total"] = p.total();
  return j;
}

Json rope_json(const io::ModelConfig& c) {
  Json scaling = {{"type", c.rope_scaling.type_name}};
  const auto& s = c.rope_scaling;
  if (s.type != io::RopeScalingType::kDefault) scaling["factor"] = s.factor;
  if (s.type == io::RopeScalingType::kLlama3) {
    scaling["low_freq_factor"] = s.low_freq_factor;
    scaling["high_freq_factor"] = s.high_freq_factor;
  }
  if (s.original_max_position_embeddings > 0) {
    scaling["original_max_position_embeddings"] = s.original_max_position_embeddings;
  }
  scaling["supported"] = s.supported();
  return {{"theta", c.rope_theta}, {"scaling", scaling}};
}

Json optional_json(const std::optional<int64_t>& v) { return v ? Json(*v) : Json(nullptr); }

std::string group_label(io::ParamGroup g) {
  switch (g) {
    case io::ParamGroup::kEmbeddings: return "embeddings";
    case io::ParamGroup::kAttention: return "attention";
    case io::ParamGroup::kMlp: return "MLP";
    case io::ParamGroup::kNorms: return "norms";
    case io::ParamGroup::kLmHead: return "lm head";
    case io::ParamGroup::kOther: return "other";
  }
  return "?";
}

std::string yes_no(bool b) { return b ? "yes" : "no"; }

std::string count_cell(uint64_t n) { return fmt::format("{} ({})", format_count(n), format_exact(n)); }

}  // namespace

std::string format_exact(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string format_count(uint64_t n) {
  static constexpr std::array<const char*, 5> kUnits = {"", "K", "M", "B", "T"};
  if (n < 1000) return std::to_string(n);
  size_t unit = 0;
  double v = static_cast<double>(n);
  while (v >= 1000.0 && unit + 1 < kUnits.size()) {
    v /= 1000.0;
    ++unit;
  }
  // Three significant digits; rounding may carry into the next unit (999,999 -> 1M).
  auto render = [](double x) {
    const int decimals = x >= 100.0 ? 0 : x >= 10.0 ? 1 : 2;
    std::string s = fmt::format("{:.{}f}", x, decimals);
    if (s.find('.') != std::string::npos) {
      while (s.back() == '0') s.pop_back();
      if (s.back() == '.') s.pop_back();
    }
    return s;
  };
  std::string s = render(v);
  if (s == "1000" && unit + 1 < kUnits.size()) {
    ++unit;
    s = "1";
  }
  return s + kUnits[unit];
}

std::string format_bytes(uint64_t n) {
  static constexpr std::array<const char*, 5> kUnits = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (n < 1024) return fmt::format("{} B", n);
  double v = static_cast<double>(n);
  size_t unit = 0;
  while (v >= 1024.0 && unit + 1 < kUnits.size()) {
    v /= 1024.0;
    ++unit;
  }
  return fmt::format("{:.1f} {}", v, kUnits[unit]);
}

Json build_info(const fs::path& model_dir) {
  // The folder first: a wrong path should say so, not "no config.json".
  const io::Checkpoint ckpt = io::Checkpoint::open(model_dir);
  const fs::path config_path = model_dir / "config.json";
  std::error_code ec;
  if (!fs::exists(config_path, ec)) {
    throw IoError(fmt::format("{} has no config.json", model_dir.string()));
  }
  const io::ModelConfig c = io::load_hf_config(config_path);

  Json j = Json::object();
  j["model_dir"] = model_dir.string();
  j["architecture"] = c.hf_architecture;
  j["arch"] = std::string(io::to_string(c.arch));
  j["model_type"] = c.model_type;
  j["hidden_size"] = c.hidden_size;
  j["num_hidden_layers"] = c.num_hidden_layers;
  j["num_attention_heads"] = c.num_attention_heads;
  j["num_key_value_heads"] = c.num_key_value_heads;
  j["head_dim"] = c.head_dim;
  j["intermediate_size"] = c.intermediate_size;
  j["vocab_size"] = c.vocab_size;
  j["max_position_embeddings"] = c.max_position_embeddings;
  j["rms_norm_eps"] = c.rms_norm_eps;
  j["hidden_act"] = c.hidden_act;
  j["rope"] = rope_json(c);
  j["tie_word_embeddings"] = c.tie_word_embeddings;
  j["bias"] = {{"attention_qkv", c.attention_bias},
               {"attention_output", c.attention_output_bias},
               {"mlp", c.mlp_bias}};
  j["sliding_window"] = optional_json(c.sliding_window);
  j["torch_dtype"] = c.torch_dtype.empty() ? Json(nullptr) : Json(c.torch_dtype);
  j["special_tokens"] = {{"bos", optional_json(c.bos_token_id)},
                         {"eos", c.eos_token_ids},
                         {"pad", optional_json(c.pad_token_id)}};

  io::ParameterCounts in_weights = io::count_parameters(ckpt, c.tie_word_embeddings);
  // A packed module holds rows x cols parameters, not its tensors' elements.
  const auto quantization = quant::describe_quantization(ckpt);
  for (const auto& m : quantization ? quantization->modules : std::vector<quant::QuantizedModuleInfo>{}) {
    in_weights[io::classify_parameter(m.module + ".weight")] += static_cast<uint64_t>(m.rows * m.cols) - m.stored_elements;
  }
  // So does a 2:4 compressed one (model/sparse_weights.h: M.compressed,
  // M.bitmask, M.shape).
  uint64_t sparse_params = 0, sparse_bytes = 0, sparse_tensors = 0;
  for (const std::string& name : ckpt.tensor_names()) {
    constexpr std::string_view kSuffix = ".compressed";
    if (name.size() <= kSuffix.size() || name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) continue;
    const std::string module = name.substr(0, name.size() - kSuffix.size());
    if (!ckpt.contains(module + ".shape")) throw FormatError(fmt::format("{}: '{}.shape' is missing", model_dir.string(), module));
    const Tensor shape = ckpt.tensor(module + ".shape").to(DType::kI64);
    if (shape.numel() != 2) throw FormatError(fmt::format("{}: '{}.shape' must hold 2 integers", model_dir.string(), module));
    const uint64_t dense = static_cast<uint64_t>(shape.data<int64_t>()[0] * shape.data<int64_t>()[1]);
    uint64_t stored = 0;
    for (const char* suffix : {".compressed", ".bitmask", ".shape"}) {
      if (!ckpt.contains(module + suffix)) continue;
      const auto& info = ckpt.info(module + suffix);
      stored += shape_numel(info.shape);
      sparse_bytes += dtype_bytes(info.dtype, shape_numel(info.shape));
    }
    in_weights[io::classify_parameter(module + ".weight")] += dense - stored;
    sparse_params += dense;
    ++sparse_tensors;
  }
  const io::ParameterCounts from_config = io::expected_parameter_counts(c);
  const bool match = in_weights.by_group == from_config.by_group;
  j["parameters"] = {{"weights", counts_json(in_weights)},
                     {"config_formula", counts_json(from_config)},
                     {"match", match}};

  std::map<std::string, size_t> dtypes;
  for (const auto& name : ckpt.tensor_names()) {
    ++dtypes[std::string(to_string(ckpt.info(name).dtype))];
  }
  j["dtypes"] = dtypes;
  j["quantization"] = quantization && !quantization->modules.empty() ? Json(quantization->to_json()) : Json(nullptr);
  j["sparsity"] = sparse_tensors == 0 ? Json(nullptr)
                                      : Json({{"format", "sparse-24-bitmask"}, {"tensors", sparse_tensors},
                                         {"parameters", sparse_params}, {"bytes", sparse_bytes},
                                         {"bits_per_weight", 8.0 * static_cast<double>(sparse_bytes) /
                                                                 static_cast<double>(sparse_params)}});
  j["tensors"] = ckpt.size();
  j["bytes_on_disk"] = ckpt.total_bytes();
  Json shards = Json::array();
  for (const auto& f : ckpt.files()) {
    shards.push_back({{"file", f.path.filename().string()}, {"bytes", f.bytes}, {"tensors", f.tensors}});
  }
  j["shards"] = shards;
  j["index"] = ckpt.index_path() ? Json(ckpt.index_path()->filename().string()) : Json(nullptr);

  Json tok = Json::array();
  for (auto name : kTokenizerFiles) {
    if (fs::is_regular_file(model_dir / name, ec)) tok.push_back(std::string(name));
  }
  j["tokenizer_files"] = tok;
  j["unsupported"] = io::unsupported_features(c);

  Json warnings = Json::array();
  if (!match) {
    std::string groups;
    for (auto g : kGroups) {
      if (in_weights[g] != from_config[g]) {
        groups += fmt::format("{}{} {} vs {}", groups.empty() ? "" : ", ", group_label(g),
                              format_exact(in_weights[g]), format_exact(from_config[g]));
      }
    }
    warnings.push_back(fmt::format("the weights hold {} parameters but config.json implies {} ({})",
                                   format_exact(in_weights.total()),
                                   format_exact(from_config.total()), groups));
  }
  if (tok.empty()) warnings.push_back("no tokenizer files in the folder");
  j["warnings"] = warnings;
  return j;
}

std::string render_info_text(const Json& j) {
  std::string out;
  auto line = [&out](std::string_view label, const std::string& value) {
    out += fmt::format("{:<22}{}\n", label, value);
  };
  auto opt = [](const Json& v) { return v.is_null() ? std::string("none") : v.dump(); };

  line("model", j["model_dir"].get<std::string>());
  line("architecture", fmt::format("{} ({})", j["architecture"].get<std::string>(),
                                   j["arch"].get<std::string>()));
  line("hidden size", j["hidden_size"].dump());
  line("layers", j["num_hidden_layers"].dump());
  const int64_t heads = j["num_attention_heads"].get<int64_t>();
  const int64_t kv = j["num_key_value_heads"].get<int64_t>();
  line("heads / kv-heads", fmt::format("{} / {}{}", heads, kv,
                                       kv == heads ? "" : fmt::format(" (GQA, {} per kv-head)", heads / kv)));
  line("head dim", j["head_dim"].dump());
  line("intermediate size", j["intermediate_size"].dump());
  line("vocab", j["vocab_size"].dump());
  line("context", fmt::format("{} tokens", j["max_position_embeddings"].dump()));
  const Json& rope = j["rope"];
  const Json& sc = rope["scaling"];
  std::string scaling = sc["type"].get<std::string>();
  if (sc.contains("factor")) scaling += fmt::format(", factor {}", sc["factor"].get<double>());
  if (sc.contains("low_freq_factor")) {
    scaling += fmt::format(", low/high freq factor {}/{}", sc["low_freq_factor"].get<double>(),
                           sc["high_freq_factor"].get<double>());
  }
  if (sc.contains("original_max_position_embeddings")) {
    scaling += fmt::format(", original context {}", sc["original_max_position_embeddings"].dump());
  }
  if (!sc["supported"].get<bool>()) scaling += " (not supported for running)";
  line("rope", fmt::format("theta {}, scaling {}", rope["theta"].get<double>(), scaling));
  line("rms norm eps", fmt::format("{}", j["rms_norm_eps"].get<double>()));
  line("activation", j["hidden_act"].get<std::string>());
  line("tied embeddings", yes_no(j["tie_word_embeddings"].get<bool>()));
  const Json& b = j["bias"];
  line("biases", fmt::format("q/k/v {}, o {}, mlp {}", yes_no(b["attention_qkv"].get<bool>()),
                             yes_no(b["attention_output"].get<bool>()), yes_no(b["mlp"].get<bool>())));
  line("sliding window", opt(j["sliding_window"]));
  line("config dtype", j["torch_dtype"].is_null() ? "unset" : j["torch_dtype"].get<std::string>());
  const Json& st = j["special_tokens"];
  std::string eos;
  for (const auto& e : st["eos"]) eos += (eos.empty() ? "" : ",") + e.dump();
  line("special tokens", fmt::format("bos {}, eos {}, pad {}", opt(st["bos"]),
                                     eos.empty() ? "none" : eos, opt(st["pad"])));

  const Json& p = j["parameters"];
  out += fmt::format("{:<22}{:<32}{}\n", "parameters", "in weights", "from config.json");
  for (auto g : kGroups) {
    const std::string key(io::to_string(g));
    const uint64_t w = p["weights"][key].get<uint64_t>();
    const uint64_t f = p["config_formula"][key].get<uint64_t>();
    if (g == io::ParamGroup::kOther && w == 0 && f == 0) continue;
    std::string label = "  " + group_label(g);
    if (g == io::ParamGroup::kLmHead && j["tie_word_embeddings"].get<bool>()) label += " (tied)";
    out += fmt::format("{:<22}{:<32}{}\n", label, count_cell(w), count_cell(f));
  }
  out += fmt::format("{:<22}{:<32}{}{}\n", "  total", count_cell(p["weights"]["total"].get<uint64_t>()),
                     count_cell(p["config_formula"]["total"].get<uint64_t>()),
                     p["match"].get<bool>() ? "" : "  MISMATCH");

  std::string dtypes;
  for (const auto& [name, n] : j["dtypes"].items()) {
    dtypes += fmt::format("{}{} ({} tensors)", dtypes.empty() ? "" : ", ", name, n.get<uint64_t>());
  }
  line("dtypes", dtypes);
  if (const Json& q = j["quantization"]; !q.is_null()) {
    std::string formats;
    for (const auto& [name, n] : q["formats"].items()) {
      formats += fmt::format("{}{} ({} tensors)", formats.empty() ? "" : ", ", name, n.get<uint64_t>());
    }
    line("quantization", fmt::format("{}: {}; {:.3f} bits/weight over {} parameters", q["quant_method"].get<std::string>(),
                                     formats, q["bits_per_weight"].get<double>(),
                                     format_count(q["quantized_parameters"].get<uint64_t>())));
  }
  if (const Json& s = j["sparsity"]; !s.is_null()) {
    line("sparsity", fmt::format("{}: {} tensors, {:.3f} bits/weight over {} parameters", s["format"].get<std::string>(),
                                 s["tensors"].get<uint64_t>(), s["bits_per_weight"].get<double>(),
                                 format_count(s["parameters"].get<uint64_t>())));
  }
  const uint64_t bytes = j["bytes_on_disk"].get<uint64_t>();
  const size_t nshards = j["shards"].size();
  line("on disk", fmt::format("{} ({} bytes) in {} file{}", format_bytes(bytes), format_exact(bytes),
                              nshards, nshards == 1 ? "" : "s"));
  for (const auto& s : j["shards"]) {
    line("", fmt::format("{}  {}  {} tensors", s["file"].get<std::string>(),
                         format_bytes(s["bytes"].get<uint64_t>()), s["tensors"].get<uint64_t>()));
  }
  std::string tok;
  for (const auto& t : j["tokenizer_files"]) tok += (tok.empty() ? "" : ", ") + t.get<std::string>();
  line("tokenizer files", tok.empty() ? "none" : tok);
  for (const auto& u : j["unsupported"]) line("not runnable yet", u.get<std::string>());
  return out;
}

RunFn setup_info(CLI::App& app) {
  struct Options {
    std::string dir;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  app.add_option("MODEL_DIR", opts->dir, "Hugging Face model folder (config.json + *.safetensors)")
      ->required();
  app.add_flag("--json", opts->json, "Print one JSON object instead of text");
  return [opts]() {
    const Json info = build_info(opts->dir);
    if (opts->json) {
      std::fputs(info.dump(2, ' ', false, Json::error_handler_t::replace).c_str(), stdout);
      std::fputc('\n', stdout);
    } else {
      std::fputs(render_info_text(info).c_str(), stdout);
      for (const auto& w : info["warnings"]) {
        std::fprintf(stderr, "warning: %s\n", w.get<std::string>().c_str());
      }
    }
    return kExitOk;
  };
}

}  // namespace slimlm::cli
