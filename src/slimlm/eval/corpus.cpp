#include "slimlm/eval/corpus.h"

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::eval {

std::vector<int32_t> encode_for_protocol(const tokenizer::Tokenizer& tok, std::string_view text,
                                         PplProtocol protocol, std::optional<int32_t> bos) {
  if (protocol == PplProtocol::kHf) return tok.encode(text, true);
  return protocol_tokens(protocol, {}, tok.encode(text, false), bos);
}

}  // namespace slimlm::eval
