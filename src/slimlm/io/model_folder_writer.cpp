#include "slimlm/io/model_folder_writer.h"

#include <string>
#include <system_error>

#include "slimlm/io/atomic_dir.h"
#include "slimlm/io/atomic_file.h"
#include "slimlm/io/checkpoint.h"

namespace slimlm::io {

namespace fs = std::filesystem;

void write_model_folder(const fs::path& output, const fs::path& input, const NamedTensors& tensors,
                        const nlohmann::ordered_json& config, const nlohmann::ordered_json& recipe) {
  AtomicDir dir(output);
  write_safetensors(dir.path() / std::string(kSingleWeightsFile), tensors, {{"format", "pt"}});
  write_text_atomic(dir.path() / "config.json", config.dump(2) + "\n");
  write_text_atomic(dir.path() / "recipe.json", recipe.dump(2) + "\n");
  for (std::string_view f : kModelCompanionFiles) {
    const fs::path src = input / std::string(f);
    std::error_code ec;
    if (!fs::is_regular_file(src, ec)) continue;
    const fs::path dst = dir.path() / std::string(f);
    fs::copy_file(src, dst);
    fs::permissions(dst, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::add);
  }
  dir.commit();
}

}  // namespace slimlm::io
