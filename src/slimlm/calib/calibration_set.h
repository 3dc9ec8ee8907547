#pragma once
// Calibration data: `samples` windows of `seq_len` tokens drawn from a text.
//
// As IST-DASLab/gptq's loaders do: the text is tokenized whole (with the
// tokenizer's default special tokens, so a Llama tokenizer's BOS opens the
// stream and nothing else), then each window starts at
// random.randint(0, n - seq_len - 1) under Python's random.seed(seed)
// (python_random.h). The same seed and token stream give the same windows as
// the reference code; windows may overlap.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace slimlm::tokenizer {
class Tokenizer;
}

namespace slimlm::calib {

struct CalibrationOptions {
  int64_t samples = 128;
  int64_t seq_len = 512;
  uint64_t seed = 0;
};

struct CalibrationSet {
  int64_t samples = 0;
  int64_t seq_len = 0;
  uint64_t seed = 0;
  std::vector<int32_t> tokens;  // [samples, seq_len], row-major
  std::vector<int64_t> starts;  // where each window starts in the stream
  int64_t stream_tokens = 0;    // length of the tokenized text
  std::string source;           // the text file, for recipes and messages

  std::span<const int32_t> window(int64_t i) const {
    return std::span<const int32_t>(tokens).subspan(static_cast<size_t>(i * seq_len),
                                                    static_cast<size_t>(seq_len));
  }
};

// Draws the windows from an already tokenized stream. Throws ConfigError
// (naming --calib-samples / --calib-len and `source`) for samples or seq_len
// below 1, or a stream shorter than seq_len + 1 tokens.
CalibrationSet sample_windows(std::span<const int32_t> stream, const CalibrationOptions& opt,
                              std::string source = "<tokens>");

// The whole file; IoError naming it (as --calib) when it cannot be read,
// ConfigError when it is empty.
std::string read_calibration_text(const std::filesystem::path& path);

// Tokenizes `text` and draws the windows.
CalibrationSet calibration_set_from_text(const tokenizer::Tokenizer& tok, std::string_view text,
                                         const CalibrationOptions& opt, std::string source);

}  // namespace slimlm::calib
