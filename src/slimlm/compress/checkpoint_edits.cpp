#include "slimlm/compress/checkpoint_edits.h"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/io/model_folder_writer.h"

namespace slimlm::compress {
namespace fs = std::filesystem;

namespace {


}  // namespace

WrittenCheckpoint write_edited_checkpoint(const fs::path& input, const fs::path& output,
                                          const io::Checkpoint& ck, nlohmann::ordered_json config_json,
                                          const CheckpointEdits& edits,
                                          const nlohmann::ordered_json& recipe) {
  for (const auto& [name, _] : edits.replace) {
    if (!ck.contains(name)) {
      throw ConfigError(fmt::format("{}: cannot replace tensor '{}': the checkpoint has none",
                                    input.string(), name));
    }
  }
  WrittenCheckpoint w;
  io::NamedTensors tensors;
  for (const std::string& name : ck.tensor_names()) {
    const Tensor t = ck.tensor(name);
    w.params_total += t.numel();
    w.bytes_before += t.nbytes();
    auto it = edits.replace.find(name);
    if (it == edits.replace.end()) {
      tensors.emplace_back(name, t);
    } else {
      for (const auto& nt : it->second) tensors.push_back(nt);
    }
  }
  for (const auto& [n, t] : tensors) w.bytes_after += t.nbytes();
  // Wider elements first keeps every tensor aligned to its element size in
  // the file, so packed codes load as zero-copy views.
  std::stable_sort(tensors.begin(), tensors.end(), [](const auto& a, const auto& b) {
    return dtype_traits(a.second.dtype()).block_bytes > dtype_traits(b.second.dtype()).block_bytes;
  });
  if (!edits.quantization_config.is_null()) config_json["quantization_config"] = edits.quantization_config;

  io::write_model_folder(output, input, tensors, config_json, recipe);
  return w;
}

}  // namespace slimlm::compress
