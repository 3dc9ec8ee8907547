#pragma once
// Reading a whole text file (configs, evaluation and calibration texts).
#include <filesystem>
#include <string>

namespace slimlm::io {

// The whole file as bytes; IoError naming it when it is missing, cannot be
// opened (with the system's reason) or fails mid-read.
std::string read_text_file(const std::filesystem::path& path);

}  // namespace slimlm::io
