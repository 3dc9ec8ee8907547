#pragma once
// `slimlm info MODEL_DIR [--json]`: what a Hugging Face checkpoint folder
// holds. The description is built once as JSON; the text view renders that
// same object, so the two never disagree.
#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "slimlm/cli/command.h"

namespace slimlm::cli {

// Reads config.json and the weights' headers (no tensor data). Throws
// slimlm::Error subclasses naming the file at fault.
nlohmann::ordered_json build_info(const std::filesystem::path& model_dir);
std::string render_info_text(const nlohmann::ordered_json& info);

// 6738415616 -> "6.74B", 3500000 -> "3.5M", 999 -> "999".
std::string format_count(uint64_t n);
// 52972648 -> "50.5 MiB".
std::string format_bytes(uint64_t n);
// 6738415616 -> "6,738,415,616".
std::string format_exact(uint64_t n);

RunFn setup_info(CLI::App& app);

}  // namespace slimlm::cli
