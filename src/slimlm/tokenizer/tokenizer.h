#pragma once
// slimlm::tokenizer::Tokenizer: a Hugging Face tokenizer.json (or the legacy
// vocab.json + merges.txt pair) that encodes and decodes exactly as the HF
// `tokenizers` library does. Supported: BPE models, byte-level (GPT-2,
// Llama-3, Qwen2) and SentencePiece style (Llama-2, Mistral); WordPiece and
// Unigram raise UnsupportedError. Thread-safe: one Tokenizer may encode on
// many threads at once; copies share the loaded data.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace slimlm::tokenizer {

struct Pipeline;

// What a bare vocab.json + merges.txt pair cannot say: the pre-tokenizer,
// special tokens and post-processor of the family it belongs to.
enum class BpePreset : int {
  kGpt2 = 0,    // GPT-2 regex + ByteLevel, <|endoftext|>
  kLlama3 = 1,  // Llama-3 Split regex + ByteLevel, ignore_merges, 256 specials, BOS added
};
std::string_view to_string(BpePreset preset);
std::optional<BpePreset> bpe_preset_from_string(std::string_view name);

class Tokenizer {
 public:
  // A tokenizer.json file, or a model folder holding tokenizer.json, or
  // vocab.json + merges.txt, or encoder.json + vocab.bpe (these two read with
  // `legacy_preset`). BOS/EOS names come from tokenizer_config.json beside it
  // when present.
  static Tokenizer from_file(const std::filesystem::path& path,
                             BpePreset legacy_preset = BpePreset::kGpt2);
  static Tokenizer from_json(std::string_view json, const std::string& source = "<tokenizer.json>");
  static Tokenizer from_bpe_files(const std::filesystem::path& vocab,
                                  const std::filesystem::path& merges,
                                  BpePreset preset = BpePreset::kGpt2);

  Tokenizer(const Tokenizer&) = default;
  Tokenizer(Tokenizer&&) noexcept = default;
  Tokenizer& operator=(const Tokenizer&) = default;
  Tokenizer& operator=(Tokenizer&&) noexcept = default;
  ~Tokenizer();

  // Invalid UTF-8 in `text` is read as U+FFFD, as Python's errors="replace".
  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens = true) const;
  // Encodes on all threads; result i belongs to texts[i].
  std::vector<std::vector<int32_t>> encode_batch(const std::vector<std::string>& texts,
                                                 bool add_special_tokens = true) const;
  // Ids outside the vocabulary are skipped, as HF does.
  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens = false) const;

  // The token's raw vocabulary string (e.g. "Ġthe"); ConfigError for an id
  // outside the vocabulary.
  std::string id_to_piece(int32_t id) const;
  std::optional<int32_t> piece_to_id(std::string_view piece) const;
  bool is_special(int32_t id) const;
  // One past the largest id, added tokens included.
  int32_t vocab_size() const;
  std::optional<int32_t> bos_id() const;
  std::optional<int32_t> eos_id() const;
  // Whether encode(..., add_special_tokens=true) starts with BOS.
  bool adds_bos() const;
  const std::string& source() const;

 private:
  explicit Tokenizer(std::shared_ptr<const Pipeline> p);
  std::shared_ptr<const Pipeline> p_;
};

}  // namespace slimlm::tokenizer
