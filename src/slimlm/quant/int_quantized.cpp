#include "slimlm/quant/int_quantized.h"

#include <cmath>

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/quant/pack.h"

namespace slimlm::quant {

nlohmann::ordered_json int8_token_activations_json() {
  nlohmann::ordered_json a;
  a["num_bits"] = 8;
  a["type"] = "int";
  a["symmetric"] = true;
  a["group_size"] = nullptr;
  a["strategy"] = "token";
  a["block_structure"] = nullptr;
  a["dynamic"] = true;
  a["actorder"] = nullptr;
  a["observer"] = nullptr;
  a["observer_kwargs"] = nlohmann::ordered_json::object();
  return a;
}

bool is_int8_token_activations(const nlohmann::json& a) {
  auto get = [&](const char* k) -> nlohmann::json { return a.contains(k) ? a[k] : nlohmann::json(); };
  return a.is_object() && get("num_bits") == 8 && get("type") == "int" &&
         get("strategy") == "token" && get("dynamic") == true &&
         (get("symmetric").is_null() || get("symmetric") == true);
}

io::NamedTensors int_quantized_to_disk(std::string_view module, const QuantizedTensor& q) {
  const FormatTraits& t = q.traits();
  if (t.bits != 8 || !t.symmetric || !t.per_channel() || q.has_perm()) {
    throw Error(fmt::format("{}: int-quantized storage holds int8 per-channel symmetric weights, not {}",
                            module, t.name));
  }
  const UnpackedQuant u = unpack(q);
  Tensor w = Tensor::empty(DType::kI8, {q.rows, q.cols});
  auto* d = w.mutable_data<int8_t>();
  for (size_t i = 0; i < u.codes.size(); ++i) d[i] = static_cast<int8_t>(static_cast<int>(u.codes[i]) - 128);
  Tensor s = Tensor::empty(DType::kF32, {q.rows, 1});
  for (int64_t r = 0; r < q.rows; ++r) s.mutable_data<float>()[r] = u.scales[static_cast<size_t>(r)];
  const std::string m(module);
  return {{m + ".weight", std::move(w)}, {m + ".weight_scale", std::move(s)}};
}

QuantizedTensor int_quantized_from_disk(std::string_view module,
                                        const std::function<std::optional<Tensor>(const std::string&)>& lookup,
                                               std::string_view source) {
  const std::string m(module);
  auto need = [&](const std::string& suffix) {
    std::optional<Tensor> x = lookup(m + "." + suffix);
    if (!x) {
      throw FormatError(fmt::format("{}: tensor '{}.{}' is missing (int-quantized module '{}')", source,
                                    m, suffix, m));
    }
    return *x;
  };
  const Tensor w = need("weight");
  if (w.dtype() != DType::kI8 || w.ndim() != 2) {
    throw FormatError(fmt::format("{}: '{}.weight' must be I8 [out, in] for int-quantized, got {}", source,
                                  m, w.describe()));
  }
  const int64_t rows = w.dim(0), cols = w.dim(1);
  const Tensor s = need("weight_scale");
  if (s.numel() != static_cast<uint64_t>(rows) ||
      (s.dtype() != DType::kF32 && s.dtype() != DType::kF16 && s.dtype() != DType::kBF16)) {
    throw FormatError(fmt::format("{}: '{}.weight_scale' must hold {} float scales, got {}", source, m,
                                  rows, s.describe()));
  }
  const Tensor s32 = s.dtype() == DType::kF32 ? s : s.to(DType::kF32);
  UnpackedQuant u;
  u.format = QuantFormat::kInt8;
  u.rows = rows;
  u.cols = cols;
  u.codes.resize(static_cast<size_t>(rows * cols));
  const int8_t* src = w.data<int8_t>();
  for (size_t i = 0; i < u.codes.size(); ++i) {
    if (src[i] == -128) {
      throw FormatError(fmt::format("{}: '{}.weight' holds -128; symmetric int8 stops at -127", source, m));
    }
    u.codes[i] = static_cast<uint8_t>(src[i] + 128);
  }
  // pack() insists on the format's f16 scales; build the f32-scaled tensor
  // from an f16 pack, then replace the scales.
  u.scales.assign(static_cast<size_t>(rows), 0.0f);
  QuantizedTensor q = pack(u);
  q.scales = Tensor::empty(DType::kF32, {rows, 1});
  const float* sp = s32.data<float>();
  for (int64_t r = 0; r < rows; ++r) {
    if (!(sp[r] >= 0.0f) || !std::isfinite(sp[r])) {
      throw FormatError(fmt::format("{}: '{}.weight_scale' row {} is {}", source, m, r, sp[r]));
    }
    q.scales.mutable_data<float>()[r] = sp[r];
  }
  q.validate(fmt::format("{}: {}", source, m));
  return q;
}

}  // namespace slimlm::quant
