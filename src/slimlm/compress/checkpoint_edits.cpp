#include "slimlm/compress/checkpoint_edits.h"

#include <algorithm>
#include <array>
#include <string_view>

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/io/atomic_dir.h"
#include "slimlm/io/atomic_file.h"

namespace slimlm::compress {
namespace fs = std::filesystem;

namespace {

// Files of a model folder that travel with the weights (as
// model/quantize_model.cpp copies them).
constexpr std::array<std::string_view, 10> kCopiedFiles = {
    "tokenizer.json",          "tokenizer.model",   "tokenizer_config.json",
    "special_tokens_map.json", "added_tokens.json", "vocab.json",
    "merges.txt",              "generation_config.json", "chat_template.jinja",
    "provenance.json",
};

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

  io::AtomicDir dir(output);
  io::write_safetensors(dir.path() / std::string(io::kSingleWeightsFile), tensors, {{"format", "pt"}});
  io::write_text_atomic(dir.path() / "config.json", config_json.dump(2) + "\n");
  io::write_text_atomic(dir.path() / "recipe.json", recipe.dump(2) + "\n");
  for (std::string_view f : kCopiedFiles) {
    const fs::path src = input / std::string(f);
    std::error_code ec;
    if (!fs::is_regular_file(src, ec)) continue;
    const fs::path dst = dir.path() / std::string(f);
    fs::copy_file(src, dst);
    // A read-only source (a shared model store) must not make the copy read-only.
    fs::permissions(dst, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::add);
  }
  dir.commit();
  return w;
}

}  // namespace slimlm::compress
