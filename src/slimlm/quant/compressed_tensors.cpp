#include "slimlm/quant/compressed_tensors.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <regex>

#include "slimlm/core/convert.h"
#include "slimlm/core/error.h"
#include "slimlm/quant/int_quantized.h"
#include "slimlm/quant/pack.h"

namespace slimlm::quant {
namespace {

constexpr std::string_view kSuffixes[] = {"weight_packed", "weight_scale", "weight_zero_point",
                                          "weight_shape", "weight_g_idx"};

// compressed-tensors matches "re:" patterns with re.match: anchored at the
// start only.
bool target_matches(const std::string& target, std::string_view module) {
  if (target.rfind("re:", 0) == 0) {
    try {
      const std::regex re(target.substr(3));
      const std::string m(module);
      return std::regex_search(m, re, std::regex_constants::match_continuous);
    } catch (const std::regex_error&) {
      throw FormatError(fmt::format("quantization_config: invalid regex '{}'", target));
    }
  }
  return target == module;
}

nlohmann::ordered_json weights_json(const FormatTraits& t, bool act_order) {
  nlohmann::ordered_json w;
  w["num_bits"] = t.bits;
  w["type"] = t.codebook == Codebook::kNf4 ? "nf4" : "int";
  w["symmetric"] = t.symmetric;
  w["strategy"] = t.per_channel() ? "channel" : "group";
  w["group_size"] = t.per_channel() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(t.group_size);
  w["dynamic"] = false;
  w["actorder"] = act_order ? nlohmann::ordered_json("group") : nlohmann::ordered_json(nullptr);
  w["block_structure"] = nullptr;
  w["observer"] = "minmax";
  w["observer_kwargs"] = nlohmann::ordered_json::object();
  return w;
}

template <class T>
T get_or(const nlohmann::json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return it->get<T>();
}

QuantFormat format_from_weights(const nlohmann::json& w, std::string_view where) {
  const auto type = get_or<std::string>(w, "type", "int");
  const int bits = get_or<int>(w, "num_bits", 8);
  const bool symmetric = get_or<bool>(w, "symmetric", true);
  const auto strategy = get_or<std::string>(w, "strategy", "tensor");
  const int group = get_or<int>(w, "group_size", 0);
  if (get_or<bool>(w, "dynamic", false)) {
    throw UnsupportedError(fmt::format("{}: dynamic weight quantization is not supported", where));
  }
  if (type == "nf4") {
    if (bits != 4 || group != 64) {
      throw UnsupportedError(fmt::format("{}: NF4 needs num_bits 4 and group_size 64", where));
    }
    return QuantFormat::kNf4;
  }
  if (type != "int") {
    throw UnsupportedError(fmt::format("{}: weights of type '{}' are not supported (int and nf4 are)",
                                       where, type));
  }
  std::optional<QuantFormat> f;
  if (strategy == "channel") {
    f = find_uniform_format(bits, 0, symmetric);
  } else if (strategy == "group") {
    f = find_uniform_format(bits, group, symmetric);
  } else {
    throw UnsupportedError(fmt::format(
        "{}: weight strategy '{}' is not supported (group and channel are)", where, strategy));
  }
  if (!f) {
    throw UnsupportedError(fmt::format("{}: no slimlm format for {}-bit {} {}{} weights (have: {})",
                                       where, bits, symmetric ? "symmetric" : "asymmetric", strategy,
                                       strategy == "group" ? fmt::format(" {}", group) : "",
                                       format_list()));
  }
  return *f;
}

Tensor to_f32(const Tensor& t) { return t.dtype() == DType::kF32 ? t : t.to(DType::kF32); }

}  // namespace

std::optional<QuantFormat> QuantizationConfig::format_of(std::string_view module) const {
  const ConfigGroup* g = group_of(module);
  if (!g) return std::nullopt;
  return g->format;
}

const ConfigGroup* QuantizationConfig::group_of(std::string_view module) const {
  for (const auto& ig : ignore) {
    if (target_matches(ig, module)) return nullptr;
  }
  // Precedence as compressed-tensors: exact names, then patterns, then the class.
  for (int pass = 0; pass < 3; ++pass) {
    for (const auto& g : groups) {
      for (const auto& t : g.targets) {
        const bool is_re = t.rfind("re:", 0) == 0;
        const bool hit = pass == 0   ? (!is_re && t != "Linear" && t == module)
                         : pass == 1 ? (is_re && target_matches(t, module))
                                     : t == "Linear";
        if (hit) return &g;
      }
    }
  }
  return nullptr;
}

bool QuantizationConfig::compressed_tensors_compatible() const {
  return std::none_of(groups.begin(), groups.end(), [](const ConfigGroup& g) {
    return format_traits(g.format).codebook == Codebook::kNf4;
  });
}

nlohmann::ordered_json QuantizationConfig::to_json() const {
  const bool ct = compressed_tensors_compatible();
  nlohmann::ordered_json j;
  j["quant_method"] = ct ? kQuantMethodCompressedTensors : kQuantMethodSlimlm;
  const bool all_w8a8 = !groups.empty() && std::all_of(groups.begin(), groups.end(), [](const ConfigGroup& g) {
    return g.int8_activations;
  });
  j["format"] = all_w8a8 ? kIntQuantized : kPackQuantized;
  j["quantization_status"] = "compressed";
  auto& cg = j["config_groups"] = nlohmann::ordered_json::object();
  for (const auto& g : groups) {
    const FormatTraits& t = format_traits(g.format);
    nlohmann::ordered_json e;
    e["targets"] = g.targets;
    e["weights"] = weights_json(t, g.act_order);
    e["input_activations"] = g.int8_activations ? int8_token_activations_json() : nullptr;
    e["output_activations"] = nullptr;
    e["format"] = g.int8_activations ? kIntQuantized
                  : t.codebook == Codebook::kNf4 ? kNf4PackQuantized
                                                 : kPackQuantized;
    cg[g.name] = std::move(e);
  }
  j["ignore"] = ignore;
  j["kv_cache_scheme"] = nullptr;
  return j;
}

QuantizationConfig QuantizationConfig::from_json(const nlohmann::json& j, std::string_view source) {
  const std::string where = fmt::format("{}: quantization_config", source);
  if (!j.is_object()) throw FormatError(where + " is not an object");
  try {
    const auto method = get_or<std::string>(j, "quant_method", "");
    if (method != kQuantMethodCompressedTensors && method != kQuantMethodSlimlm) {
      throw UnsupportedError(fmt::format(
          "{}: quant_method '{}' is not supported (slimlm reads compressed-tensors pack-quantized "
          "checkpoints)",
          where, method));
    }
    const auto format = get_or<std::string>(j, "format", std::string(kPackQuantized));
    QuantizationConfig c;
    const auto groups = j.find("config_groups");
    if (groups == j.end() || !groups->is_object() || groups->empty()) {
      // Sparsity alone (model/sparse_weights.h): no quantized modules.
      if (j.contains("sparsity_config") && !j["sparsity_config"].is_null()) return c;
      throw FormatError(where + " has no config_groups");
    }
    for (const auto& [name, g] : groups->items()) {
      const std::string gw = fmt::format("{}.config_groups.{}", where, name);
      bool int8_activations = false;
      for (const char* act : {"input_activations", "output_activations"}) {
        if (g.contains(act) && !g[act].is_null()) {
          // W8A8 (int_quantized.h): the one activation scheme slimlm runs.
          if (std::string_view(act) == "input_activations" && is_int8_token_activations(g[act])) {
            int8_activations = true;
            continue;
          }
          throw UnsupportedError(fmt::format("{}: {} quantization is not supported yet", gw, act));
        }
      }
      const auto gformat = get_or<std::string>(g, "format", format);
      if (int8_activations && gformat != kIntQuantized) {
        throw UnsupportedError(fmt::format("{}: int8 activations with format '{}' are not supported ({} is)",
                                           gw, gformat, kIntQuantized));
      }
      if (gformat != kPackQuantized && gformat != kNf4PackQuantized && !int8_activations) {
        throw UnsupportedError(fmt::format("{}: format '{}' is not supported ({} and {} are)", gw,
                                           gformat, kPackQuantized, kNf4PackQuantized));
      }
      if (!g.contains("weights") || !g["weights"].is_object()) {
        throw FormatError(gw + " has no weights scheme");
      }
      ConfigGroup cgp;
      cgp.name = name;
      cgp.format = format_from_weights(g["weights"], gw);
      cgp.int8_activations = int8_activations;
      if (int8_activations && cgp.format != QuantFormat::kInt8) {
        throw UnsupportedError(fmt::format("{}: int8 activations need int8 symmetric per-channel weights, got {}",
                                           gw, to_string(cgp.format)));
      }
      const auto actorder = g["weights"].find("actorder");
      cgp.act_order = actorder != g["weights"].end() && !actorder->is_null() &&
                      !(actorder->is_boolean() && !actorder->get<bool>());
      cgp.targets = g.at("targets").get<std::vector<std::string>>();
      c.groups.push_back(std::move(cgp));
    }
    if (j.contains("ignore") && !j["ignore"].is_null()) {
      c.ignore = j["ignore"].get<std::vector<std::string>>();
    }
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("{} is malformed: {}", where, e.what()));
  }
}

std::optional<QuantizationConfig> read_quantization_config(const nlohmann::json& config_json,
                                                           std::string_view source) {
  const auto it = config_json.find("quantization_config");
  if (it == config_json.end() || it->is_null()) return std::nullopt;
  return QuantizationConfig::from_json(*it, source);
}

bool is_quantized_tensor_name(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return false;
  const std::string_view suffix = name.substr(dot + 1);
  return std::find(std::begin(kSuffixes), std::end(kSuffixes), suffix) != std::end(kSuffixes);
}

io::NamedTensors to_disk(std::string_view module, const QuantizedTensor& q) {
  const FormatTraits& t = q.traits();
  const std::string m(module);
  io::NamedTensors out;
  Tensor codes = q.codes;
  if (q.has_perm()) {
    // On disk columns are in input order and g_idx names each one's group.
    const UnpackedQuant u = unpack(q);
    const int32_t* perm = q.perm.data<int32_t>();
    std::vector<uint8_t> ordered(u.codes.size());
    for (int64_t r = 0; r < q.rows; ++r) {
      for (int64_t i = 0; i < q.cols; ++i) ordered[static_cast<size_t>(r * q.cols + perm[i])] = u.codes[static_cast<size_t>(r * q.cols + i)];
    }
    codes = Tensor::empty(DType::kI32, q.codes.shape());
    auto* w = static_cast<uint32_t*>(codes.mutable_raw_data());
    for (int64_t r = 0; r < q.rows; ++r) {
      pack_codes(std::span(ordered).subspan(static_cast<size_t>(r * q.cols), static_cast<size_t>(q.cols)),
                 t.bits, std::span(w + r * q.words_per_row(), static_cast<size_t>(q.words_per_row())));
    }
  }
  out.emplace_back(m + ".weight_packed", codes);
  out.emplace_back(m + ".weight_scale", q.scales);
  if (q.has_zeros()) {
    const int64_t groups = q.groups_per_row();
    const int per = 32 / t.zero_bits;
    const int64_t packed_rows = (q.rows + per - 1) / per;
    Tensor z = Tensor::zeros(DType::kI32, {packed_rows, groups});
    auto* zw = static_cast<uint32_t*>(z.mutable_raw_data());
    const auto* zs = static_cast<const uint8_t*>(q.zeros.raw_data());
    for (int64_t r = 0; r < q.rows; ++r) {
      for (int64_t g = 0; g < groups; ++g) {
        zw[(r / per) * groups + g] |= static_cast<uint32_t>(zs[r * groups + g]) << (t.zero_bits * (r % per));
      }
    }
    out.emplace_back(m + ".weight_zero_point", std::move(z));
  }
  Tensor shape = Tensor::empty(DType::kI64, {2});
  shape.mutable_data<int64_t>()[0] = q.rows;
  shape.mutable_data<int64_t>()[1] = q.cols;
  out.emplace_back(m + ".weight_shape", std::move(shape));
  if (q.has_perm()) {
    Tensor g_idx = Tensor::empty(DType::kI32, {q.cols});
    const int32_t* perm = q.perm.data<int32_t>();
    const int64_t gl = q.group_length();
    for (int64_t i = 0; i < q.cols; ++i) {
      g_idx.mutable_data<int32_t>()[perm[i]] = static_cast<int32_t>(i / gl);
    }
    out.emplace_back(m + ".weight_g_idx", std::move(g_idx));
  }
  return out;
}

QuantizedTensor from_disk(std::string_view module, QuantFormat f, const TensorLookup& lookup,
                          std::string_view source) {
  const FormatTraits& t = format_traits(f);
  const std::string m(module);
  auto need = [&](const std::string& suffix) {
    std::optional<Tensor> x = lookup(m + "." + suffix);
    if (!x) {
      throw FormatError(fmt::format("{}: tensor '{}.{}' is missing ({} module '{}')", source, m,
                                    suffix, t.name, m));
    }
    return *x;
  };
  const Tensor shape = need("weight_shape");
  if (shape.numel() != 2 || (shape.dtype() != DType::kI64 && shape.dtype() != DType::kI32)) {
    throw FormatError(fmt::format("{}: '{}.weight_shape' must hold 2 integers, got {}", source, m,
                                  shape.describe()));
  }
  const Tensor shape64 = shape.dtype() == DType::kI64 ? shape : shape.to(DType::kI64);
  QuantizedTensor q;
  q.format = f;
  q.rows = shape64.data<int64_t>()[0];
  q.cols = shape64.data<int64_t>()[1];
  const std::string what = fmt::format("{}: {}", source, m);
  try {
    check_shape(f, q.rows, q.cols, what);
  } catch (const ConfigError& e) {
    throw FormatError(e.what());
  }
  const int64_t groups = t.groups_per_row(q.cols);

  Tensor codes = need("weight_packed");
  if (codes.dtype() != DType::kI32 || codes.shape() != Shape{q.rows, t.words_per_row(q.cols)}) {
    throw FormatError(fmt::format("{}.weight_packed must be I32 [{}, {}] for {}, got {}", what,
                                  q.rows, t.words_per_row(q.cols), t.name, codes.describe()));
  }
  // Word loads want 4-byte alignment; safetensors does not promise it.
  if (reinterpret_cast<uintptr_t>(codes.raw_data()) % 4 != 0) codes = codes.clone();
  q.codes = codes;

  Tensor scales = need("weight_scale");
  if (scales.numel() != static_cast<uint64_t>(q.rows * groups) ||
      (scales.ndim() == 2 && scales.dim(0) != q.rows)) {
    throw FormatError(fmt::format("{}.weight_scale must hold [{}, {}] scales, got {}", what, q.rows,
                                  groups, scales.describe()));
  }
  scales = scales.reshape({q.rows, groups});
  if (scales.dtype() == t.scale_dtype) {
    const bool aligned =
        reinterpret_cast<uintptr_t>(scales.raw_data()) % dtype_traits(t.scale_dtype).block_bytes == 0;
    q.scales = aligned ? scales : scales.clone();
  } else if (scales.dtype() == DType::kF32 || scales.dtype() == DType::kF16 ||
             scales.dtype() == DType::kBF16) {
    q.scales = to_f32(scales);  // exact for every float type
  } else {
    throw FormatError(fmt::format("{}.weight_scale has dtype {}; expected a float type", what,
                                  to_string(scales.dtype())));
  }

  if (!t.symmetric) {
    const Tensor zp = need("weight_zero_point");
    const int per = 32 / t.zero_bits;
    const int64_t packed_rows = (q.rows + per - 1) / per;
    if (zp.dtype() != DType::kI32 || zp.shape() != Shape{packed_rows, groups}) {
      throw FormatError(fmt::format("{}.weight_zero_point must be I32 [{}, {}], got {}", what,
                                    packed_rows, groups, zp.describe()));
    }
    q.zeros = Tensor::empty(DType::kU8, {q.rows, groups});
    std::vector<uint32_t> zw(zp.numel());
    std::memcpy(zw.data(), zp.raw_data(), zp.nbytes());
    auto* z = static_cast<uint8_t*>(q.zeros.mutable_raw_data());
    const uint32_t mask = (1u << t.zero_bits) - 1u;
    for (int64_t r = 0; r < q.rows; ++r) {
      for (int64_t g = 0; g < groups; ++g) {
        z[r * groups + g] = static_cast<uint8_t>((zw[static_cast<size_t>((r / per) * groups + g)] >> (t.zero_bits * (r % per))) & mask);
      }
    }
  }

  if (std::optional<Tensor> gi = lookup(m + ".weight_g_idx")) {
    if (gi->numel() != static_cast<uint64_t>(q.cols) ||
        (gi->dtype() != DType::kI32 && gi->dtype() != DType::kI64)) {
      throw FormatError(fmt::format("{}.weight_g_idx must hold {} integers, got {}", what, q.cols,
                                    gi->describe()));
    }
    const Tensor g32 = gi->dtype() == DType::kI32 ? *gi : gi->to(DType::kI32);
    const int32_t* g_idx = g32.data<int32_t>();
    // Storage order: columns sorted by group (stable), so groups are contiguous.
    std::vector<int32_t> perm(static_cast<size_t>(q.cols));
    std::iota(perm.begin(), perm.end(), 0);
    std::stable_sort(perm.begin(), perm.end(), [&](int32_t a, int32_t b) { return g_idx[a] < g_idx[b]; });
    const int64_t gl = t.group_length(q.cols);
    bool identity = true;
    for (int64_t i = 0; i < q.cols; ++i) {
      if (g_idx[perm[static_cast<size_t>(i)]] != i / gl) {
        throw FormatError(fmt::format("{}.weight_g_idx does not give every group exactly {} columns",
                                      what, gl));
      }
      identity = identity && perm[static_cast<size_t>(i)] == i;
    }
    if (!identity) {
      UnpackedQuant u;
      u.format = f;
      u.rows = q.rows;
      u.cols = q.cols;
      u.codes.resize(static_cast<size_t>(q.rows * q.cols));
      for (int64_t r = 0; r < q.rows; ++r) {
        std::vector<uint8_t> row(static_cast<size_t>(q.cols));
        unpack_codes(std::span(q.row_words(r), static_cast<size_t>(q.words_per_row())), t.bits, row);
        for (int64_t i = 0; i < q.cols; ++i) u.codes[static_cast<size_t>(r * q.cols + i)] = row[static_cast<size_t>(perm[static_cast<size_t>(i)])];
      }
      Tensor reordered = Tensor::empty(DType::kI32, q.codes.shape());
      auto* w = static_cast<uint32_t*>(reordered.mutable_raw_data());
      for (int64_t r = 0; r < q.rows; ++r) {
        pack_codes(std::span(u.codes).subspan(static_cast<size_t>(r * q.cols), static_cast<size_t>(q.cols)),
                   t.bits, std::span(w + r * q.words_per_row(), static_cast<size_t>(q.words_per_row())));
      }
      q.codes = std::move(reordered);
      q.perm = Tensor::empty(DType::kI32, {q.cols});
      std::memcpy(q.perm.mutable_raw_data(), perm.data(), perm.size() * sizeof(int32_t));
    }
  }
  q.validate(what);
  return q;
}

}  // namespace slimlm::quant
