#pragma once
// Helpers shared by the pruning tests: scratch folders, fixture paths,
// checkpoint tensors as f32, a calibration / evaluation split of the
// held-out War and Peace text.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "slimlm/core/tensor.h"
#include "slimlm/io/checkpoint.h"
#include "test_util.h"

namespace slimlm::prune_test {

namespace fs = std::filesystem;

inline const fs::path kSource = SLIMLM_SOURCE_DIR;

inline fs::path fixture(const std::string& name) { return kSource / "models" / name; }

using slimlm::testing::TempDir;  // tests/io/test_util.h

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary);
  out << s;
}

inline nlohmann::json read_json(const fs::path& p) { return nlohmann::json::parse(read_file(p)); }

inline std::vector<float> f32_values(const Tensor& t) {
  const Tensor f = t.dtype() == DType::kF32 ? t : t.to(DType::kF32);
  const float* p = f.data<float>();
  return std::vector<float>(p, p + f.numel());
}

inline std::vector<float> tensor_f32(const fs::path& dir, const std::string& name) {
  return f32_values(io::Checkpoint::open(dir).tensor(name));
}

// The held-out text cut at a line end: the first part calibrates, the rest
// evaluates (never the same tokens).
struct TextSplit {
  std::string calib, eval;
};

inline TextSplit war_and_peace_split(double calib_fraction = 0.55) {
  const std::string text = read_file(kSource / "tests" / "data" / "war-and-peace-heldout.txt");
  size_t cut = text.find('\n', static_cast<size_t>(static_cast<double>(text.size()) * calib_fraction));
  if (cut == std::string::npos) cut = text.size() / 2;
  return {text.substr(0, cut + 1), text.substr(cut + 1)};
}

}  // namespace slimlm::prune_test
