#pragma once
// Pipeline stages created by the "type" string of their tokenizer.json
// object. Adding a stage is one file with a factory plus one line in
// builtin_components.cpp.
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "slimlm/tokenizer/component.h"

namespace slimlm::tokenizer {

using Json = nlohmann::json;

// What a factory may need besides its own JSON object.
struct BuildContext {
  std::string source;  // the file, for error messages

  // Builders for nested stages (Sequence) that go through the registry.
  std::unique_ptr<Normalizer> normalizer(const Json& j) const;
  std::unique_ptr<PreTokenizer> pre_tokenizer(const Json& j) const;
  std::unique_ptr<PostProcessor> post_processor(const Json& j) const;
  std::unique_ptr<Decoder> decoder(const Json& j) const;

  // Throws FormatError "<source>: <where>: <message>".
  [[noreturn]] void fail(std::string_view where, std::string_view message) const;
  // Typed field access with clear errors; `where` names the stage.
  const Json& field(const Json& j, const char* key, std::string_view where) const;
  std::string string_field(const Json& j, const char* key, std::string_view where) const;
  bool bool_field(const Json& j, const char* key, bool fallback, std::string_view where) const;
  int64_t int_field(const Json& j, const char* key, std::string_view where) const;
};

template <class T>
using Factory = std::unique_ptr<T> (*)(const Json&, const BuildContext&);

// Names HF defines that slimlm knows but does not implement give
// UnsupportedError; names nobody defines give FormatError.
template <class T>
struct Registry {
  std::map<std::string, Factory<T>, std::less<>> factories;
  std::map<std::string, std::string, std::less<>> unsupported;  // name -> why
};

struct Registries {
  Registry<Normalizer> normalizers;
  Registry<PreTokenizer> pre_tokenizers;
  Registry<PostProcessor> post_processors;
  Registry<Decoder> decoders;
};

const Registries& registries();
void register_builtin_components(Registries& r);

}  // namespace slimlm::tokenizer
