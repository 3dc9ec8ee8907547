#include "slimlm/model/sparse_weights.h"

#include <array>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/kernels/cpu/sparse24.h"
#include "slimlm/model/quantized_weights.h"

namespace slimlm::model {
namespace {

constexpr std::array<std::string_view, 3> kSuffixes = {"shape", "compressed", "bitmask"};

Tensor to_f32(const Tensor& t) { return t.dtype() == DType::kF32 ? t : t.to(DType::kF32); }

}  // namespace

io::NamedTensors sparse24_to_disk(std::string_view module, const Tensor& dense) {
  if (dense.ndim() != 2) {
    throw FormatError(fmt::format("{}: 2:4 storage needs a 2-d weight, got {}", module, dense.describe()));
  }
  const int64_t rows = dense.dim(0), cols = dense.dim(1);
  if (cols % 4 != 0) {
    throw FormatError(fmt::format("{}: 2:4 storage needs a multiple of 4 columns, got {}", module, cols));
  }
  const Tensor f = to_f32(dense);
  int64_t bad = -1;
  if (!kernels::sparse24_fits(f.data<float>(), rows, cols, &bad)) {
    const int64_t g = bad % (cols / 4);
    throw FormatError(fmt::format("{}: row {} columns {}..{} hold more than 2 non-zeros: not 2:4 sparse",
                                  module, bad / (cols / 4), 4 * g, 4 * g + 3));
  }
  const size_t esize = dtype_bytes(dense.dtype(), 1);
  const auto* src = static_cast<const uint8_t*>(dense.raw_data());
  Tensor compressed = Tensor::empty(dense.dtype(), {rows, cols / 2});
  auto* dst = static_cast<uint8_t*>(compressed.mutable_raw_data());
  const int64_t mask_bytes = (cols + 7) / 8;
  Tensor bitmask = Tensor::zeros(DType::kU8, {rows, mask_bytes});
  uint8_t* bits = bitmask.mutable_data<uint8_t>();
  const float* fv = f.data<float>();
  int64_t out = 0;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t g = 0; g < cols / 4; ++g) {
      // The same choice as kernels::sparse24_pack: the non-zeros, then zeros
      // at the first free positions, so both layouts name the same columns.
      int keep[2], n = 0;
      for (int i = 0; i < 4 && n < 2; ++i) {
        if (fv[r * cols + 4 * g + i] != 0.0f) keep[n++] = i;
      }
      for (int i = 0; i < 4 && n < 2; ++i) {
        if (fv[r * cols + 4 * g + i] == 0.0f && (n == 0 || keep[0] != i)) keep[n++] = i;
      }
      if (keep[0] > keep[1]) std::swap(keep[0], keep[1]);
      for (int k : keep) {
        const int64_t c = 4 * g + k;
        std::memcpy(dst + out * esize, src + (r * cols + c) * esize, esize);
        ++out;
        bits[r * mask_bytes + c / 8] |= static_cast<uint8_t>(1u << (c % 8));
      }
    }
  }
  Tensor shape = Tensor::empty(DType::kI64, {2, 1});
  shape.mutable_data<int64_t>()[0] = rows;
  shape.mutable_data<int64_t>()[1] = cols;
  const std::string m(module);
  io::NamedTensors t;
  t.emplace_back(m + ".shape", std::move(shape));
  t.emplace_back(m + ".compressed", std::move(compressed));
  t.emplace_back(m + ".bitmask", std::move(bitmask));
  return t;
}

nlohmann::ordered_json sparse24_config_json(const std::vector<std::string>& ignore, double global_sparsity) {
  nlohmann::ordered_json j;
  j["format"] = kSparse24Bitmask;
  j["targets"] = {"Linear"};
  j["ignore"] = ignore;
  j["global_sparsity"] = global_sparsity;
  j["sparsity_structure"] = "2:4";
  j["registry_requires_subclass"] = false;
  return j;
}

bool is_sparse24_tensor_name(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return false;
  const std::string_view suffix = name.substr(dot + 1);
  for (std::string_view s : kSuffixes) {
    if (s == suffix) return true;
  }
  return false;
}

std::unique_ptr<SparseWeights> SparseWeights::open(const io::Checkpoint& checkpoint) {
  const auto path = checkpoint.dir() / "config.json";
  std::ifstream in(path);
  if (!in) return nullptr;
  std::stringstream ss;
  ss << in.rdbuf();
  const nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return nullptr;
  const auto qc = j.find("quantization_config");
  if (qc == j.end() || !qc->is_object()) return nullptr;
  const auto sc = qc->find("sparsity_config");
  if (sc == qc->end() || sc->is_null()) return nullptr;
  if (!sc->is_object() || !sc->contains("format") || !(*sc)["format"].is_string()) {
    throw FormatError(fmt::format("{}: quantization_config.sparsity_config has no format", path.string()));
  }
  const std::string format = (*sc)["format"].get<std::string>();
  if (format == "dense") return nullptr;
  if (format != kSparse24Bitmask) {
    throw UnsupportedError(fmt::format("{}: sparsity format '{}' is not supported (slimlm reads '{}' "
                                       "and 'dense')",
                                       path.string(), format, kSparse24Bitmask));
  }
  return std::make_unique<SparseWeights>(checkpoint);
}

bool SparseWeights::holds(std::string_view name) const {
  return checkpoint_.contains(std::string(module_of(name)) + ".compressed");
}

void SparseWeights::check(std::string_view name, const Shape& expected) {
  const std::string m(module_of(name));
  const std::string where = checkpoint_.dir().string();
  auto need = [&](std::string_view suffix) {
    const std::string n = m + "." + std::string(suffix);
    if (!checkpoint_.contains(n)) {
      throw FormatError(fmt::format("{}: tensor '{}' is missing (2:4 sparse module '{}')", where, n, m));
    }
    return checkpoint_.tensor(n);
  };
  const Tensor shape = need("shape");
  if (shape.numel() != 2 || (shape.dtype() != DType::kI64 && shape.dtype() != DType::kI32)) {
    throw FormatError(fmt::format("{}: '{}.shape' must hold 2 integers, got {}", where, m, shape.describe()));
  }
  const Tensor s64 = shape.dtype() == DType::kI64 ? shape : shape.to(DType::kI64);
  const int64_t rows = s64.data<int64_t>()[0], cols = s64.data<int64_t>()[1];
  if (expected != Shape{rows, cols}) {
    throw FormatError(fmt::format("{}: sparse weight '{}' has shape [{}, {}], expected {}", where, name, rows,
                                  cols, shape_to_string(expected)));
  }
  if (cols % 4 != 0) {
    throw FormatError(fmt::format("{}: sparse weight '{}' has {} columns, not a multiple of 4", where, name, cols));
  }
  const Tensor compressed = need("compressed");
  if (compressed.shape() != Shape{rows, cols / 2} ||
      (compressed.dtype() != DType::kF32 && compressed.dtype() != DType::kF16 &&
       compressed.dtype() != DType::kBF16)) {
    throw FormatError(fmt::format("{}: '{}.compressed' must be float [{}, {}], got {}", where, m, rows,
                                  cols / 2, compressed.describe()));
  }
  const Tensor bitmask = need("bitmask");
  const int64_t mask_bytes = (cols + 7) / 8;
  if (bitmask.shape() != Shape{rows, mask_bytes} ||
      (bitmask.dtype() != DType::kU8 && bitmask.dtype() != DType::kI8 && bitmask.dtype() != DType::kBool)) {
    throw FormatError(fmt::format("{}: '{}.bitmask' must be U8 [{}, {}], got {}", where, m, rows,
                                  mask_bytes, bitmask.describe()));
  }
  const Tensor values = to_f32(compressed);
  const auto* bits = static_cast<const uint8_t*>(bitmask.raw_data());
  Sparse24Weight w;
  w.cols = cols;
  w.values = values.owns_memory() ? values : values.clone();
  w.indices = Tensor::zeros(DType::kU8, {rows, kernels::sparse24_index_bytes(cols)});
  uint8_t* idx = w.indices.mutable_data<uint8_t>();
  const float* v = w.values.data<float>();
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t g = 0; g < cols / 4; ++g) {
      int pos[2], n = 0;
      for (int i = 0; i < 4; ++i) {
        const int64_t c = 4 * g + i;
        if (!((bits[r * mask_bytes + c / 8] >> (c % 8)) & 1u)) continue;
        if (n == 2) {
          throw FormatError(fmt::format("{}: '{}.bitmask' keeps more than 2 of row {} columns {}..{}",
                                        where, m, r, 4 * g, 4 * g + 3));
        }
        pos[n++] = i;
      }
      if (n != 2) {
        // compressed holds cols/2 values a row: two per group, always.
        throw FormatError(fmt::format("{}: '{}.bitmask' keeps {} of row {} columns {}..{} (2 expected)",
                                      where, m, n, r, 4 * g, 4 * g + 3));
      }
      idx[r * kernels::sparse24_index_bytes(cols) + g / 2] |=
          static_cast<uint8_t>((pos[0] | (pos[1] << 2)) << (4 * (g % 2)));
    }
  }
  for (int64_t i = 0; i < rows * cols / 2; ++i) {
    if (!std::isfinite(v[i])) {
      throw FormatError(fmt::format("{}: '{}.compressed' holds a non-finite value at index {}", where, m, i));
    }
  }
  checked_.insert_or_assign(std::string(name), std::move(w));
}

Sparse24Weight SparseWeights::take(std::string_view name) {
  auto it = checked_.find(name);
  if (it == checked_.end()) throw Error(fmt::format("sparse weight '{}' was not checked", name));
  Sparse24Weight w = std::move(it->second);
  checked_.erase(it);
  return w;
}

bool SparseWeights::owns(std::string_view tensor_name) const {
  if (!is_sparse24_tensor_name(tensor_name)) return false;
  const auto dot = tensor_name.rfind('.');
  return checkpoint_.contains(std::string(tensor_name.substr(0, dot)) + ".compressed");
}

}  // namespace slimlm::model
