#pragma once
// GPT-2's byte-level alphabet: each byte stands for itself as one printable
// code point (unicode.h has the table), and the pre-tokenizer regexes of the
// byte-level BPE families.
#include <string>
#include <string_view>

namespace slimlm::tokenizer {

// HF tokenizers' ByteLevel regex (GPT-2 encoder.py), unchanged.
inline constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
// Llama-3's Split regex (tokenizer.json of Meta-Llama-3), unchanged.
inline constexpr const char* kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Appends the byte-level form of `bytes` to `out`.
void append_byte_level(std::string& out, std::string_view bytes);

}  // namespace slimlm::tokenizer
