#include "slimlm/eval/corpus.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "slimlm/core/error.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::eval {

std::string read_text_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw IoError(fmt::format("{}: no such file", path.string()));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno)));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw IoError(fmt::format("{}: read failed", path.string()));
  return text;
}

std::vector<int32_t> encode_for_protocol(const tokenizer::Tokenizer& tok, std::string_view text,
                                         PplProtocol protocol, std::optional<int32_t> bos) {
  if (protocol == PplProtocol::kHf) return tok.encode(text, true);
  return protocol_tokens(protocol, {}, tok.encode(text, false), bos);
}

}  // namespace slimlm::eval
