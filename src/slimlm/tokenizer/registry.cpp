#include "slimlm/tokenizer/registry.h"

#include "slimlm/core/error.h"

namespace slimlm::tokenizer {

const Registries& registries() {
  static const Registries r = [] {
    Registries out;
    register_builtin_components(out);
    return out;
  }();
  return r;
}

namespace {

template <class T>
std::unique_ptr<T> build(const Registry<T>& reg, const Json& j, const BuildContext& ctx,
                         std::string_view kind) {
  if (!j.is_object()) ctx.fail(kind, "expected an object");
  const std::string type = ctx.string_field(j, "type", kind);
  if (auto it = reg.factories.find(type); it != reg.factories.end()) return it->second(j, ctx);
  if (auto it = reg.unsupported.find(type); it != reg.unsupported.end()) {
    throw UnsupportedError(ctx.source + ": " + std::string(kind) + " type '" + type +
                           "' is not supported yet" + (it->second.empty() ? "" : " (" + it->second + ")"));
  }
  ctx.fail(kind, "unknown type '" + type + "'");
}

}  // namespace

std::unique_ptr<Normalizer> BuildContext::normalizer(const Json& j) const {
  return build(registries().normalizers, j, *this, "normalizer");
}
std::unique_ptr<PreTokenizer> BuildContext::pre_tokenizer(const Json& j) const {
  return build(registries().pre_tokenizers, j, *this, "pre_tokenizer");
}
std::unique_ptr<PostProcessor> BuildContext::post_processor(const Json& j) const {
  return build(registries().post_processors, j, *this, "post_processor");
}
std::unique_ptr<Decoder> BuildContext::decoder(const Json& j) const {
  return build(registries().decoders, j, *this, "decoder");
}

void BuildContext::fail(std::string_view where, std::string_view message) const {
  throw FormatError(source + ": " + std::string(where) + ": " + std::string(message));
}

const Json& BuildContext::field(const Json& j, const char* key, std::string_view where) const {
  auto it = j.find(key);
  if (it == j.end()) fail(where, std::string("missing field '") + key + "'");
  return *it;
}

std::string BuildContext::string_field(const Json& j, const char* key,
                                       std::string_view where) const {
  const Json& v = field(j, key, where);
  if (!v.is_string()) fail(where, std::string("field '") + key + "' must be a string");
  return v.get<std::string>();
}

bool BuildContext::bool_field(const Json& j, const char* key, bool fallback,
                              std::string_view where) const {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) fail(where, std::string("field '") + key + "' must be true or false");
  return it->get<bool>();
}

int64_t BuildContext::int_field(const Json& j, const char* key, std::string_view where) const {
  const Json& v = field(j, key, where);
  if (!v.is_number_integer()) fail(where, std::string("field '") + key + "' must be an integer");
  return v.get<int64_t>();
}

}  // namespace slimlm::tokenizer
