#pragma once
// The stages of a tokenizer.json pipeline, each behind a small interface:
//   text -> added tokens split out -> Normalizer -> PreTokenizer -> model (BPE)
//        -> PostProcessor (BOS/EOS) -> ids;   ids -> tokens -> Decoder -> text.
// Concrete stages are created by type name through the registry (registry.h).
#include <cstdint>
#include <string>
#include <vector>

#include "slimlm/tokenizer/pretokenized.h"

namespace slimlm::tokenizer {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(std::string& text) const = 0;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void pre_tokenize(PreTokenizedString& text) const = 0;
};

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // Adds the special tokens around one sequence when add_special_tokens.
  virtual void process(std::vector<int32_t>& ids, bool add_special_tokens) const = 0;
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Rewrites the token strings; the final text is their concatenation.
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

}  // namespace slimlm::tokenizer
