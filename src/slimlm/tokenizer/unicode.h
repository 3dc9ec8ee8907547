#pragma once
// UTF-8 and Unicode-property helpers with the semantics the Hugging Face
// `tokenizers` Rust code gets from `char` (is_whitespace, is_numeric, ...), so
// that every component agrees on what a "space" or a "digit" is.
#include <cstdint>
#include <string>
#include <string_view>

namespace slimlm::tokenizer {

// Decodes the code point at s[i] (s valid UTF-8) and advances i past it.
char32_t next_code_point(std::string_view s, size_t& i);
// Byte length of the UTF-8 sequence a lead byte starts (1 for stray bytes).
inline size_t utf8_length(unsigned char lead) {
  return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}
void append_utf8(std::string& out, char32_t cp);

// Whether `s` is well-formed UTF-8.
bool is_valid_utf8(std::string_view s);
// Rust's String::from_utf8_lossy: each maximal ill-formed subsequence becomes
// one U+FFFD.
void append_utf8_lossy(std::string& out, std::string_view bytes);

// Rust char::is_whitespace (the White_Space property).
bool is_whitespace(char32_t c);
// Rust char::is_numeric (general category Nd, Nl or No).
bool is_numeric(char32_t c);
// regex-syntax's \w: letters, marks, decimal digits, connector punctuation.
bool is_word_char(char32_t c);

// GPT-2's reversible map from the 256 byte values to printable code points,
// and back (-1 for code points outside the map).
const std::string& byte_to_unicode_utf8(uint8_t b);
int unicode_to_byte(char32_t c);

}  // namespace slimlm::tokenizer
