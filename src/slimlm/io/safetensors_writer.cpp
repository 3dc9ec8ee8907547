#include "slimlm/io/safetensors_writer.h"

#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "slimlm/core/error.h"
#include "slimlm/io/atomic_file.h"
#include "slimlm/io/safetensors_header.h"

namespace slimlm::io {

std::string safetensors_header_bytes(const NamedTensors& tensors,
                                     const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    auto& m = header["__metadata__"] = nlohmann::ordered_json::object();
    for (const auto& [k, v] : metadata) m[k] = v;
  }
  std::set<std::string_view> seen;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__") throw ConfigError("tensor name '__metadata__' is reserved by safetensors");
    if (!seen.insert(name).second) {
      throw ConfigError(fmt::format("tensor {} is given twice", quote_name(name)));
    }
    if (!t.defined()) throw ConfigError(fmt::format("tensor {} has no data", quote_name(name)));
    const auto& traits = dtype_traits(t.dtype());
    if (traits.safetensors_name.empty()) {
      throw UnsupportedError(fmt::format("tensor {}: dtype {} has no safetensors equivalent",
                                         quote_name(name), traits.name));
    }
    auto& e = header[name];
    e["dtype"] = traits.safetensors_name;
    e["shape"] = t.shape();
    e["data_offsets"] = {offset, offset + t.nbytes()};
    offset += t.nbytes();
  }
  std::string json;
  try {
    json = header.dump();
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(std::string("tensor name or metadata is not valid UTF-8: ") + e.what());
  }
  // Padding keeps the data area 8-byte aligned in the file, as HF's writer does.
  json.append((8 - json.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + json;
}

void write_safetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata) {
  const std::string header = safetensors_header_bytes(tensors, metadata);
  AtomicFile f(path);
  f.write(header);
  for (const auto& [name, t] : tensors) {
    if (t.nbytes()) f.write(t.raw_data(), t.nbytes());
  }
  f.commit();
}

}  // namespace slimlm::io
