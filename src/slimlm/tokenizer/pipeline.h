#pragma once
// Everything one tokenizer is made of, immutable once built and shared by the
// copies of a Tokenizer and by the threads that encode with it.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "slimlm/tokenizer/added_vocabulary.h"
#include "slimlm/tokenizer/bpe_model.h"
#include "slimlm/tokenizer/component.h"
#include "slimlm/tokenizer/registry.h"

namespace slimlm::tokenizer {

struct Pipeline {
  std::string source;  // where it came from, for messages
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> pre_tokenizer;
  std::unique_ptr<BpeModel> model;
  std::unique_ptr<PostProcessor> post_processor;
  std::unique_ptr<Decoder> decoder;
  AddedVocabulary added;
  std::optional<int32_t> bos_id;
  std::optional<int32_t> eos_id;
};

// The model's vocabulary and merges when they come from outside the JSON
// (vocab.json + merges.txt).
struct BpeData {
  Vocab vocab;
  std::vector<std::pair<std::string, std::string>> merges;
};

// Builds a pipeline from a parsed tokenizer.json. With `data`, the model's
// vocab and merges come from there instead of root["model"].
std::unique_ptr<Pipeline> build_pipeline(const Json& root, BpeData* data, const std::string& source);

// Reads a whole file; IoError naming it when that fails.
std::string read_text_file(const std::string& path);

}  // namespace slimlm::tokenizer
