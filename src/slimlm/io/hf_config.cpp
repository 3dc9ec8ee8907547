#include "slimlm/io/hf_config.h"

#include <cstdint>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "slimlm/core/error.h"
#include "slimlm/io/message_text.h"
#include "slimlm/io/text_file.h"

namespace slimlm::io {
namespace {

using Json = nlohmann::json;

// Typed access to one JSON object with messages naming the file and the full
// key ("rope_scaling.factor"). A JSON null counts as absent, as in transformers.
class Fields {
 public:
  Fields(const Json& obj, std::string_view file, std::string prefix = "")
      : obj_(obj), file_(file), prefix_(std::move(prefix)) {}

  bool has(const char* key) const { return obj_.contains(key) && !obj_[key].is_null(); }
  const Json& at(const char* key) const { return obj_[key]; }
  std::string key_name(const char* key) const { return prefix_ + key; }

  [[noreturn]] void fail(const char* key, const std::string& what) const {
    throw ConfigError(fmt::format("{}: key '{}' {}", file_, key_name(key), what));
  }

  const Json& require(const char* key) const {
    if (!has(key)) fail(key, "is missing");
    return at(key);
  }

  int64_t integer(const char* key) const {
    const Json& v = require(key);
    if (!v.is_number_integer()) fail(key, fmt::format("must be an integer, not {}", describe(v)));
    if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t{INT64_MAX}) {
      fail(key, fmt::format("is too large ({})", v.dump()));
    }
    return v.get<int64_t>();
  }
  int64_t integer(const char* key, int64_t fallback) const { return has(key) ? integer(key) : fallback; }
  std::optional<int64_t> optional_integer(const char* key) const {
    return has(key) ? std::optional<int64_t>(integer(key)) : std::nullopt;
  }
  int64_t positive(const char* key) const { return check_positive(key, integer(key)); }
  int64_t positive(const char* key, int64_t fallback) const {
    return check_positive(key, integer(key, fallback));
  }

  double number(const char* key) const {
    const Json& v = require(key);
    if (!v.is_number()) fail(key, fmt::format("must be a number, not {}", describe(v)));
    return v.get<double>();
  }
  double number(const char* key, double fallback) const { return has(key) ? number(key) : fallback; }
  double positive_number(const char* key) const { return check_positive(key, number(key)); }
  double positive_number(const char* key, double fallback) const {
    return check_positive(key, number(key, fallback));
  }

  bool boolean(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    const Json& v = at(key);
    if (!v.is_boolean()) fail(key, fmt::format("must be true or false, not {}", describe(v)));
    return v.get<bool>();
  }

  std::string string(const char* key, std::string fallback) const {
    if (!has(key)) return fallback;
    const Json& v = at(key);
    if (!v.is_string()) fail(key, fmt::format("must be a string, not {}", describe(v)));
    return v.get<std::string>();
  }

  // An object member, or nullptr when absent or null.
  const Json* object(const char* key) const {
    if (!has(key)) return nullptr;
    const Json& v = at(key);
    if (!v.is_object()) fail(key, fmt::format("must be an object, not {}", describe(v)));
    return &v;
  }

  static std::string describe(const Json& v) {
    std::string s = printable(v.dump());
    if (s.size() > 40) s = s.substr(0, 37) + "...";
    return fmt::format("{} {}", v.type_name(), s);
  }

 private:
  template <class T>
  T check_positive(const char* key, T v) const {
    if (!(v > 0)) fail(key, fmt::format("must be positive, not {}", v));
    return v;
  }

  const Json& obj_;
  std::string_view file_;
  std::string prefix_;
};

Architecture read_architecture(const Fields& f, const Json& root, std::string_view file,
                               std::string& hf_class) {
  if (f.has("architectures")) {
    const Json& a = f.at("architectures");
    if (!a.is_array() || a.empty() || !a[0].is_string()) {
      f.fail("architectures", fmt::format("must be a non-empty list of class names, not {}",
                                          Fields::describe(a)));
    }
    hf_class = a[0].get<std::string>();
    if (auto arch = architecture_from_hf_class(hf_class)) return *arch;
    throw UnsupportedError(fmt::format("{}: architecture '{}' is not supported (supported: {})",
                                       file, hf_class, supported_architecture_list()));
  }
  // Some hand-made configs name only the model_type.
  const std::string model_type = f.string("model_type", "");
  if (model_type.empty()) f.fail("architectures", "is missing (and there is no model_type)");
  if (auto arch = architecture_from_model_type(model_type)) {
    hf_class = std::string(architecture_info(*arch).hf_class);
    return *arch;
  }
  throw UnsupportedError(fmt::format("{}: model_type '{}' is not supported (supported: {})", file,
                                     model_type, supported_architecture_list()));
}

RopeScalingType rope_type_from_name(std::string_view name) {
  if (name == "default") return RopeScalingType::kDefault;
  if (name == "linear") return RopeScalingType::kLinear;
  if (name == "llama3") return RopeScalingType::kLlama3;
  if (name == "dynamic") return RopeScalingType::kDynamic;
  if (name == "yarn") return RopeScalingType::kYarn;
  return RopeScalingType::kOther;
}

// `rope_scaling` (transformers 4) or `rope_parameters` (5); same fields.
RopeScaling read_rope_scaling(const Json& obj, std::string_view file, const std::string& where) {
  const Fields f(obj, file, where + ".");
  RopeScaling r;
  // `type` is the older spelling; rope_type wins when both are present.
  const char* type_key = f.has("rope_type") ? "rope_type" : "type";
  r.type_name = f.string(type_key, "");
  if (r.type_name.empty()) f.fail("rope_type", "is missing");
  r.type = rope_type_from_name(r.type_name);
  switch (r.type) {
    case RopeScalingType::kDefault:
      break;
    case RopeScalingType::kLlama3:
      r.factor = f.positive_number("factor");
      r.low_freq_factor = f.positive_number("low_freq_factor");
      r.high_freq_factor = f.positive_number("high_freq_factor");
      r.original_max_position_embeddings = f.positive("original_max_position_embeddings");
      if (!(r.high_freq_factor > r.low_freq_factor)) {
        f.fail("high_freq_factor", fmt::format("must exceed low_freq_factor ({} <= {})",
                                               r.high_freq_factor, r.low_freq_factor));
      }
      break;
    case RopeScalingType::kLinear:
    case RopeScalingType::kDynamic:
      r.factor = f.positive_number("factor");
      break;
    case RopeScalingType::kYarn:
      r.factor = f.positive_number("factor");
      r.original_max_position_embeddings = f.integer("original_max_position_embeddings", 0);
      break;
    case RopeScalingType::kOther:
      r.factor = f.number("factor", 1.0);
      break;
  }
  return r;
}

void read_rope(const Fields& f, const Json& root, std::string_view file, ModelConfig& c) {
  const Json* params = f.object("rope_parameters");
  double theta = 10000.0;
  if (f.has("rope_theta")) {
    theta = f.number("rope_theta");
  } else if (params) {
    theta = Fields(*params, file, "rope_parameters.").number("rope_theta", theta);
  }
  if (!(theta > 0.0)) f.fail("rope_theta", fmt::format("must be positive, not {}", theta));
  c.rope_theta = theta;

  if (const Json* s = f.object("rope_scaling")) {
    c.rope_scaling = read_rope_scaling(*s, file, "rope_scaling");
  } else if (params) {
    c.rope_scaling = read_rope_scaling(*params, file, "rope_parameters");
  }
}

std::vector<int64_t> read_eos(const Fields& f) {
  if (!f.has("eos_token_id")) return {};
  const Json& v = f.at("eos_token_id");
  if (v.is_number_integer()) return {v.get<int64_t>()};
  std::vector<int64_t> ids;
  if (v.is_array()) {
    for (const Json& e : v) {
      if (!e.is_number_integer()) break;
      ids.push_back(e.get<int64_t>());
    }
    if (ids.size() == v.size()) return ids;
  }
  f.fail("eos_token_id", fmt::format("must be an integer or a list of integers, not {}",
                                     Fields::describe(v)));
}

}  // namespace

ModelConfig parse_hf_config(std::string_view json_text, std::string_view file) {
  Json root;
  try {
    root = Json::parse(json_text.begin(), json_text.end());
  } catch (const Json::exception& e) {
    throw ConfigError(fmt::format("{}: not valid JSON: {}", file, printable(e.what())));
  }
  if (!root.is_object()) {
    throw ConfigError(fmt::format("{}: expected a JSON object, found {}", file, root.type_name()));
  }
  const Fields f(root, file);
  ModelConfig c;
  c.source = std::string(file);
  c.arch = read_architecture(f, root, file, c.hf_architecture);
  const ArchitectureInfo& arch = architecture_info(c.arch);
  c.model_type = f.string("model_type", std::string(arch.model_type));

  c.vocab_size = f.positive("vocab_size");
  c.hidden_size = f.positive("hidden_size");
  c.intermediate_size = f.positive("intermediate_size");
  c.num_hidden_layers = f.positive("num_hidden_layers");
  c.num_attention_heads = f.positive("num_attention_heads");
  c.num_key_value_heads = f.positive("num_key_value_heads", c.num_attention_heads);
  if (c.num_attention_heads % c.num_key_value_heads != 0) {
    f.fail("num_key_value_heads",
           fmt::format("({}) must divide num_attention_heads ({})", c.num_key_value_heads,
                       c.num_attention_heads));
  }
  if (f.has("head_dim")) {
    c.head_dim = f.positive("head_dim");
  } else {
    if (c.hidden_size % c.num_attention_heads != 0) {
      f.fail("head_dim", fmt::format("is missing and hidden_size {} is not a multiple of "
                                     "num_attention_heads {}",
                                     c.hidden_size, c.num_attention_heads));
    }
    c.head_dim = c.hidden_size / c.num_attention_heads;
  }
  c.max_position_embeddings =
      f.positive("max_position_embeddings", arch.default_max_position_embeddings);
  c.rms_norm_eps = f.positive_number("rms_norm_eps", 1e-6);
  read_rope(f, root, file, c);

  c.tie_word_embeddings = f.boolean("tie_word_embeddings", false);
  c.attention_bias = f.boolean("attention_bias", arch.default_qkv_bias);
  c.attention_output_bias = arch.attention_bias_includes_output && c.attention_bias;
  c.mlp_bias = f.boolean("mlp_bias", false);

  if (arch.has_sliding_window) {
    // Present-but-null means "no window"; absent means transformers' default.
    const bool written = root.contains("sliding_window");
    std::optional<int64_t> window =
        written ? f.optional_integer("sliding_window") : arch.default_sliding_window;
    if (window && *window <= 0) f.fail("sliding_window", fmt::format("must be positive, not {}", *window));
    if (c.arch == Architecture::kQwen2) {
      c.use_sliding_window = f.boolean("use_sliding_window", false);
      c.max_window_layers = f.integer("max_window_layers", 28);
      if (c.use_sliding_window) c.sliding_window = window;
    } else {
      c.use_sliding_window = window.has_value();
      c.sliding_window = window;
    }
  }

  c.hidden_act = f.string("hidden_act", "silu");
  c.bos_token_id = f.optional_integer("bos_token_id");
  c.eos_token_ids = read_eos(f);
  c.pad_token_id = f.optional_integer("pad_token_id");
  c.torch_dtype = f.has("dtype") ? f.string("dtype", "") : f.string("torch_dtype", "");
  return c;
}

ModelConfig load_hf_config(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw IoError(std::filesystem::exists(path, ec) ? path.string() + " is not a regular file"
                                                    : path.string() + " does not exist");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw IoError("cannot read " + path.string());
  return parse_hf_config(ss.str(), path.string());
}

UncompressedConfig read_uncompressed_config(const std::filesystem::path& model_dir, std::string_view verb) {
  const std::filesystem::path path = model_dir / "config.json";
  const std::string text = read_text_file(path);
  UncompressedConfig out;
  out.json = nlohmann::ordered_json::parse(text, nullptr, false);
  if (out.json.is_discarded() || !out.json.is_object()) {
    throw FormatError(fmt::format("{}: not a JSON object", path.string()));
  }
  if (out.json.contains("quantization_config") && !out.json["quantization_config"].is_null()) {
    throw ConfigError(fmt::format("{}: the model is already quantized or stored sparse (config.json has a "
                                  "quantization_config); {} the original instead",
                                  model_dir.string(), verb));
  }
  out.config = parse_hf_config(text, path.string());
  return out;
}

}  // namespace slimlm::io
