// Every pipeline stage slimlm implements, one line each, keyed by the "type"
// string of tokenizer.json. Types HF defines that slimlm does not implement
// are listed too, so that users get UnsupportedError rather than "unknown".
#include "slimlm/tokenizer/registry.h"

namespace slimlm::tokenizer {

#define SLIMLM_FACTORY(T, name) std::unique_ptr<T> name(const Json&, const BuildContext&);
SLIMLM_FACTORY(Normalizer, make_nfc)
SLIMLM_FACTORY(Normalizer, make_nfd)
SLIMLM_FACTORY(Normalizer, make_nfkc)
SLIMLM_FACTORY(Normalizer, make_nfkd)
SLIMLM_FACTORY(Normalizer, make_lowercase)
SLIMLM_FACTORY(Normalizer, make_prepend_normalizer)
SLIMLM_FACTORY(Normalizer, make_replace_normalizer)
SLIMLM_FACTORY(Normalizer, make_strip_normalizer)
SLIMLM_FACTORY(Normalizer, make_normalizer_sequence)
SLIMLM_FACTORY(PreTokenizer, make_byte_level_pre_tokenizer)
SLIMLM_FACTORY(PreTokenizer, make_split_pre_tokenizer)
SLIMLM_FACTORY(PreTokenizer, make_digits_pre_tokenizer)
SLIMLM_FACTORY(PreTokenizer, make_metaspace_pre_tokenizer)
SLIMLM_FACTORY(PreTokenizer, make_whitespace_pre_tokenizer)
SLIMLM_FACTORY(PreTokenizer, make_whitespace_split_pre_tokenizer)
SLIMLM_FACTORY(PreTokenizer, make_pre_tokenizer_sequence)
SLIMLM_FACTORY(PostProcessor, make_template_processing)
SLIMLM_FACTORY(PostProcessor, make_roberta_processing)
SLIMLM_FACTORY(PostProcessor, make_bert_processing)
SLIMLM_FACTORY(PostProcessor, make_byte_level_processor)
SLIMLM_FACTORY(PostProcessor, make_processor_sequence)
SLIMLM_FACTORY(Decoder, make_byte_level_decoder)
SLIMLM_FACTORY(Decoder, make_byte_fallback_decoder)
SLIMLM_FACTORY(Decoder, make_fuse_decoder)
SLIMLM_FACTORY(Decoder, make_strip_decoder)
SLIMLM_FACTORY(Decoder, make_replace_decoder)
SLIMLM_FACTORY(Decoder, make_metaspace_decoder)
SLIMLM_FACTORY(Decoder, make_decoder_sequence)
#undef SLIMLM_FACTORY

void register_builtin_components(Registries& r) {
  auto& n = r.normalizers.factories;
  n["NFC"] = &make_nfc;
  n["NFD"] = &make_nfd;
  n["NFKC"] = &make_nfkc;
  n["NFKD"] = &make_nfkd;
  n["Lowercase"] = &make_lowercase;
  n["Prepend"] = &make_prepend_normalizer;
  n["Replace"] = &make_replace_normalizer;
  n["Strip"] = &make_strip_normalizer;
  n["Sequence"] = &make_normalizer_sequence;
  for (const char* t : {"BertNormalizer", "StripAccents", "Nmt", "Precompiled", "ByteLevel"})
    r.normalizers.unsupported[t] = "";

  auto& p = r.pre_tokenizers.factories;
  p["ByteLevel"] = &make_byte_level_pre_tokenizer;
  p["Split"] = &make_split_pre_tokenizer;
  p["Digits"] = &make_digits_pre_tokenizer;
  p["Metaspace"] = &make_metaspace_pre_tokenizer;
  p["Whitespace"] = &make_whitespace_pre_tokenizer;
  p["WhitespaceSplit"] = &make_whitespace_split_pre_tokenizer;
  p["Sequence"] = &make_pre_tokenizer_sequence;
  for (const char* t : {"BertPreTokenizer", "Punctuation", "CharDelimiterSplit", "UnicodeScripts",
                        "FixedLength"})
    r.pre_tokenizers.unsupported[t] = "";

  auto& pp = r.post_processors.factories;
  pp["TemplateProcessing"] = &make_template_processing;
  pp["RobertaProcessing"] = &make_roberta_processing;
  pp["BertProcessing"] = &make_bert_processing;
  pp["ByteLevel"] = &make_byte_level_processor;
  pp["Sequence"] = &make_processor_sequence;

  auto& d = r.decoders.factories;
  d["ByteLevel"] = &make_byte_level_decoder;
  d["ByteFallback"] = &make_byte_fallback_decoder;
  d["Fuse"] = &make_fuse_decoder;
  d["Strip"] = &make_strip_decoder;
  d["Replace"] = &make_replace_decoder;
  d["Metaspace"] = &make_metaspace_decoder;
  d["Sequence"] = &make_decoder_sequence;
  for (const char* t : {"WordPiece", "BPEDecoder", "CTC"}) r.decoders.unsupported[t] = "";
}

}  // namespace slimlm::tokenizer
