#pragma once
// Evaluation text -> the token stream a perplexity protocol evaluates. The
// file is read and tokenized as one string, as both reference tools do.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "slimlm/eval/ppl_protocol.h"
#include "slimlm/io/text_file.h"

namespace slimlm::tokenizer {
class Tokenizer;
}

namespace slimlm::eval {

// The whole file; IoError naming it when it cannot be read (io/text_file.h).
using io::read_text_file;

// hf: encode(text, add_special_tokens = true); llama.cpp: [bos] +
// encode(text, add_special_tokens = false).
std::vector<int32_t> encode_for_protocol(const tokenizer::Tokenizer& tok, std::string_view text,
                                         PplProtocol protocol, std::optional<int32_t> bos);

}  // namespace slimlm::eval
