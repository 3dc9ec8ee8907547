#include "slimlm/calib/calibration_set.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "slimlm/calib/python_random.h"
#include "slimlm/core/error.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::calib {

CalibrationSet sample_windows(std::span<const int32_t> stream, const CalibrationOptions& opt,
                              std::string source) {
  if (opt.samples < 1) {
    throw ConfigError(fmt::format("--calib-samples {}: need at least one window", opt.samples));
  }
  if (opt.seq_len < 1) {
    throw ConfigError(fmt::format("--calib-len {}: need at least one token per window", opt.seq_len));
  }
  const auto n = static_cast<int64_t>(stream.size());
  if (n < opt.seq_len + 1) {
    throw ConfigError(fmt::format("--calib {}: {} tokens are too few for windows of --calib-len {} "
                                  "(need at least {})",
                                  source, n, opt.seq_len, opt.seq_len + 1));
  }
  CalibrationSet set;
  set.samples = opt.samples;
  set.seq_len = opt.seq_len;
  set.seed = opt.seed;
  set.stream_tokens = n;
  set.source = std::move(source);
  set.tokens.reserve(static_cast<size_t>(opt.samples * opt.seq_len));
  PythonRandom rng(opt.seed);
  for (int64_t s = 0; s < opt.samples; ++s) {
    const int64_t start = rng.randint(0, n - opt.seq_len - 1);
    set.starts.push_back(start);
    set.tokens.insert(set.tokens.end(), stream.begin() + start, stream.begin() + start + opt.seq_len);
  }
  return set;
}

std::string read_calibration_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("--calib {}: cannot read the file", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in.good() && !in.eof()) throw IoError(fmt::format("--calib {}: read failed", path.string()));
  std::string text = ss.str();
  if (text.empty()) throw ConfigError(fmt::format("--calib {}: the file is empty", path.string()));
  return text;
}

CalibrationSet calibration_set_from_text(const tokenizer::Tokenizer& tok, std::string_view text,
                                         const CalibrationOptions& opt, std::string source) {
  const std::vector<int32_t> stream = tok.encode(text, /*add_special_tokens=*/true);
  return sample_windows(stream, opt, std::move(source));
}

}  // namespace slimlm::calib
