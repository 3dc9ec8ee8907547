#include "slimlm/eval/system/footprint.h"

#include <fmt/format.h>

#include <system_error>

#include "slimlm/core/error.h"
#include "slimlm/model/model.h"

namespace slimlm::eval {

uint64_t kv_bytes_per_token(int64_t layers, int64_t kv_heads, int64_t head_dim) {
  return 2ull * static_cast<uint64_t>(layers) * static_cast<uint64_t>(kv_heads) *
         static_cast<uint64_t>(head_dim) * sizeof(float);
}

ModelFootprint model_footprint(const model::Model& m, const std::filesystem::path& dir) {
  ModelFootprint f;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) throw IoError(fmt::format("{}: cannot list the model folder: {}", dir.string(), ec.message()));
  for (const auto& e : it) {
    if (e.path().extension() == ".safetensors" && e.is_regular_file(ec)) f.file_bytes += e.file_size(ec);
  }
  f.weight_bytes = m.weight_bytes();
  f.parameters = m.parameter_count();
  f.bits_per_weight = f.parameters ? 8.0 * static_cast<double>(f.file_bytes) / static_cast<double>(f.parameters) : 0.0;
  // A one-token cache measures whatever layout and dtype the cache uses.
  f.kv_bytes_per_token = m.new_cache(1)->bytes();
  return f;
}

}  // namespace slimlm::eval
