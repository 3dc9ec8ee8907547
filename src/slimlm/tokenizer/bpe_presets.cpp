// vocab.json/encoder.json + merges.txt/vocab.bpe: the legacy GPT-2 file pair.
// The pair holds only the BPE model, so a preset supplies the rest of the
// pipeline as the tokenizer.json of that family would (the same JSON that
// tools/make_tokenizer_goldens.py feeds to HF tokenizers).
#include "slimlm/core/error.h"
#include "slimlm/tokenizer/byte_level.h"
#include "slimlm/tokenizer/pipeline.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::tokenizer {

std::string_view to_string(BpePreset preset) {
  switch (preset) {
    case BpePreset::kGpt2: return "gpt2";
    case BpePreset::kLlama3: return "llama3";
  }
  return "?";
}

std::optional<BpePreset> bpe_preset_from_string(std::string_view name) {
  if (name == "gpt2") return BpePreset::kGpt2;
  if (name == "llama3") return BpePreset::kLlama3;
  return std::nullopt;
}

namespace {

Json special(const std::string& content, int32_t id) {
  return {{"id", id},          {"content", content}, {"single_word", false}, {"lstrip", false},
          {"rstrip", false},   {"normalized", false}, {"special", true}};
}

Json byte_level(bool use_regex) {
  return {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", use_regex}};
}

// Llama 3.1 / 3.2 names of ids 128000..128255.
std::vector<std::string> llama3_special_names() {
  std::vector<std::string> n = {"<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                                "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>",
                                "<|reserved_special_token_2|>", "<|start_header_id|>",
                                "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>", "<|python_tag|>"};
  for (int k = 3; n.size() < 256; ++k) n.push_back("<|reserved_special_token_" + std::to_string(k) + "|>");
  return n;
}

Json preset_config(BpePreset preset, const Vocab& vocab) {
  int32_t next_id = 0;
  for (const auto& [tok, id] : vocab) next_id = std::max(next_id, id + 1);
  Json root = {{"version", "1.0"}, {"normalizer", nullptr}};
  if (preset == BpePreset::kGpt2) {
    Json added = Json::array();
    if (auto it = vocab.find("<|endoftext|>"); it != vocab.end()) added.push_back(special("<|endoftext|>", it->second));
    root["added_tokens"] = added;
    root["pre_tokenizer"] = byte_level(true);
    root["post_processor"] = byte_level(true);
    root["decoder"] = byte_level(true);
    root["model"] = {{"type", "BPE"}, {"ignore_merges", false}};
    return root;
  }
  Json added = Json::array();
  const auto names = llama3_special_names();
  for (size_t k = 0; k < names.size(); ++k) {
    auto it = vocab.find(names[k]);
    added.push_back(special(names[k], it != vocab.end() ? it->second : next_id + static_cast<int32_t>(k)));
  }
  const int32_t bos = added[0]["id"].get<int32_t>();
  root["added_tokens"] = added;
  root["pre_tokenizer"] = {
      {"type", "Sequence"},
      {"pretokenizers",
       {{{"type", "Split"}, {"pattern", {{"Regex", kLlama3Pattern}}}, {"behavior", "Isolated"}, {"invert", false}},
        byte_level(false)}}};
  root["post_processor"] = {
      {"type", "Sequence"},
      {"processors",
       {byte_level(true),
        {{"type", "TemplateProcessing"},
         {"single", {{{"SpecialToken", {{"id", "<|begin_of_text|>"}, {"type_id", 0}}}},
                     {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
         {"pair", Json::array()},
         {"special_tokens",
          {{"<|begin_of_text|>", {{"id", "<|begin_of_text|>"}, {"ids", {bos}}, {"tokens", {"<|begin_of_text|>"}}}}}}}}}};
  root["decoder"] = byte_level(true);
  root["model"] = {{"type", "BPE"}, {"ignore_merges", true}};
  return root;
}

}  // namespace

std::unique_ptr<Pipeline> build_legacy_bpe(const std::string& vocab_path, const std::string& merges_path,
                                           BpePreset preset) {
  BpeData data;
  {
    Json vocab;
    try {
      vocab = Json::parse(read_text_file(vocab_path));
    } catch (const Json::exception& e) {
      throw FormatError(vocab_path + ": not valid JSON: " + e.what());
    }
    if (!vocab.is_object()) throw FormatError(vocab_path + ": expected an object of token -> id");
    data.vocab.reserve(vocab.size());
    for (const auto& [tok, id] : vocab.items()) {
      if (!id.is_number_integer()) throw FormatError(vocab_path + ": token '" + tok + "' has a non-integer id");
      data.vocab.emplace(tok, id.get<int32_t>());
    }
  }
  const std::string text = read_text_file(merges_path);
  size_t line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.starts_with("#version")) continue;
    const size_t sp = line.find(' ');
    if (sp == std::string_view::npos || line.find(' ', sp + 1) != std::string_view::npos)
      throw FormatError(merges_path + ":" + std::to_string(line_no) + ": a merge must be two tokens separated by one space");
    data.merges.emplace_back(std::string(line.substr(0, sp)), std::string(line.substr(sp + 1)));
  }
  const Json root = preset_config(preset, data.vocab);
  auto p = build_pipeline(root, &data, vocab_path + " + " + merges_path);
  const std::string bos = preset == BpePreset::kGpt2 ? "<|endoftext|>" : "<|begin_of_text|>";
  const std::string eos = preset == BpePreset::kGpt2 ? "<|endoftext|>" : "<|end_of_text|>";
  p->bos_id = p->added.find_content(bos);
  p->eos_id = p->added.find_content(eos);
  return p;
}

}  // namespace slimlm::tokenizer
