// tokenizer.json -> Pipeline. Stage objects go through the registry; the
// model (BPE only) and the added tokens are read here.
#include <fstream>
#include <sstream>

#include "slimlm/core/error.h"
#include "slimlm/tokenizer/pipeline.h"

namespace slimlm::tokenizer {

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw IoError(path + ": read failed");
  return ss.str();
}

namespace {

std::optional<std::string> optional_string(const Json& j, const char* key, const BuildContext& ctx,
                                           const char* where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) ctx.fail(where, std::string("field '") + key + "' must be a string or null");
  return it->get<std::string>();
}

BpeData read_bpe_data(const Json& model, const BuildContext& ctx) {
  constexpr const char* kWhere = "model";
  BpeData d;
  const Json& vocab = ctx.field(model, "vocab", kWhere);
  if (!vocab.is_object()) ctx.fail(kWhere, "'vocab' must be an object of token -> id");
  d.vocab.reserve(vocab.size());
  for (const auto& [tok, id] : vocab.items()) {
    if (!id.is_number_integer()) ctx.fail(kWhere, "vocab entry '" + tok + "' has a non-integer id");
    d.vocab.emplace(tok, id.get<int32_t>());
  }
  const Json& merges = ctx.field(model, "merges", kWhere);
  if (!merges.is_array()) ctx.fail(kWhere, "'merges' must be a list");
  d.merges.reserve(merges.size());
  for (size_t i = 0; i < merges.size(); ++i) {
    const Json& m = merges[i];
    if (m.is_string()) {
      const auto& s = m.get_ref<const std::string&>();
      const size_t sp = s.find(' ');
      if (sp == std::string::npos)
        ctx.fail(kWhere, "merges[" + std::to_string(i) + "] '" + s + "' is not two tokens separated by a space");
      d.merges.emplace_back(s.substr(0, sp), s.substr(sp + 1));
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      d.merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
    } else {
      ctx.fail(kWhere, "merges[" + std::to_string(i) + "] must be \"a b\" or [\"a\", \"b\"]");
    }
  }
  return d;
}

std::unique_ptr<BpeModel> build_model(const Json& model, BpeData* data, const BuildContext& ctx) {
  if (!model.is_object()) ctx.fail("model", "expected an object");
  std::string type;
  if (auto it = model.find("type"); it != model.end() && it->is_string()) {
    type = it->get<std::string>();
  } else if (model.contains("merges")) {
    type = "BPE";  // HF accepts an untagged BPE model
  }
  if (type == "WordPiece" || type == "Unigram" || type == "WordLevel") {
    throw UnsupportedError(ctx.source + ": model type '" + type +
                           "' is not supported (slimlm implements BPE tokenizers only)");
  }
  if (type != "BPE") ctx.fail("model", "unknown model type '" + type + "'");

  constexpr const char* kWhere = "model BPE";
  BpeOptions o;
  o.unk_token = optional_string(model, "unk_token", ctx, kWhere);
  o.continuing_subword_prefix = optional_string(model, "continuing_subword_prefix", ctx, kWhere).value_or("");
  o.end_of_word_suffix = optional_string(model, "end_of_word_suffix", ctx, kWhere).value_or("");
  o.fuse_unk = ctx.bool_field(model, "fuse_unk", false, kWhere);
  o.byte_fallback = ctx.bool_field(model, "byte_fallback", false, kWhere);
  o.ignore_merges = ctx.bool_field(model, "ignore_merges", false, kWhere);
  if (auto it = model.find("dropout"); it != model.end() && !it->is_null()) {
    if (!it->is_number()) ctx.fail(kWhere, "'dropout' must be a number or null");
    if (it->get<double>() > 0.0)
      throw UnsupportedError(ctx.source + ": BPE dropout " + it->dump() +
                             " makes tokenization random; slimlm supports dropout null or 0");
  }
  BpeData local;
  if (!data) {
    local = read_bpe_data(model, ctx);
    data = &local;
  }
  return std::make_unique<BpeModel>(std::move(data->vocab), data->merges, std::move(o), ctx.source);
}

std::vector<AddedToken> read_added_tokens(const Json& root, const BpeModel& model, const BuildContext& ctx) {
  std::vector<AddedToken> out;
  auto it = root.find("added_tokens");
  if (it == root.end() || it->is_null()) return out;
  if (!it->is_array()) ctx.fail("added_tokens", "must be a list");
  for (const Json& t : *it) {
    constexpr const char* kWhere = "added_tokens";
    AddedToken a;
    a.content = ctx.string_field(t, "content", kWhere);
    if (a.content.empty()) continue;  // HF ignores empty added tokens
    a.special = ctx.bool_field(t, "special", false, kWhere);
    a.normalized = ctx.bool_field(t, "normalized", !a.special, kWhere);
    a.single_word = ctx.bool_field(t, "single_word", false, kWhere);
    a.lstrip = ctx.bool_field(t, "lstrip", false, kWhere);
    a.rstrip = ctx.bool_field(t, "rstrip", false, kWhere);
    // A token the model already has keeps the model's id, as in HF.
    if (auto id = model.token_to_id(a.content)) {
      a.id = *id;
    } else {
      const int64_t id64 = ctx.int_field(t, "id", kWhere);
      if (id64 < 0 || id64 > INT32_MAX) ctx.fail(kWhere, "token '" + a.content + "' has an invalid id");
      a.id = static_cast<int32_t>(id64);
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

std::unique_ptr<Pipeline> build_pipeline(const Json& root, BpeData* data, const std::string& source) {
  BuildContext ctx{source};
  if (!root.is_object()) ctx.fail("top level", "expected a JSON object");
  auto p = std::make_unique<Pipeline>();
  p->source = source;
  auto stage = [&](const char* key) -> const Json* {
    auto it = root.find(key);
    return it == root.end() || it->is_null() ? nullptr : &*it;
  };
  if (const Json* j = stage("normalizer")) p->normalizer = ctx.normalizer(*j);
  if (const Json* j = stage("pre_tokenizer")) p->pre_tokenizer = ctx.pre_tokenizer(*j);
  if (const Json* j = stage("post_processor")) p->post_processor = ctx.post_processor(*j);
  if (const Json* j = stage("decoder")) p->decoder = ctx.decoder(*j);
  p->model = build_model(ctx.field(root, "model", "top level"), data, ctx);
  p->added = AddedVocabulary(read_added_tokens(root, *p->model, ctx), p->normalizer.get());
  return p;
}

}  // namespace slimlm::tokenizer
