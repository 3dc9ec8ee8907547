#pragma once
// Reading task data files: plain text, or bzip2-compressed when the name ends
// in .bz2 (HellaSwag ships as hellaswag_val_full.txt.bz2 and is read as is).
#include <filesystem>
#include <string>

namespace slimlm::eval {

// The whole file, decompressed when its name ends in ".bz2" (concatenated
// bzip2 streams included). IoError naming the file when it cannot be read;
// FormatError naming it when the bzip2 data is corrupt or truncated.
std::string read_task_file(const std::filesystem::path& path);

// Decompresses bzip2 data held in memory; `source` names it in errors.
std::string bunzip2(const std::string& compressed, const std::string& source);

}  // namespace slimlm::eval
