// Fixed wrappers around one sequence: RobertaProcessing (<s> A </s>) and
// BertProcessing ([CLS] A [SEP]); and ByteLevel, which only adjusts offsets
// and so leaves ids alone.
#include <memory>

#include "slimlm/tokenizer/registry.h"

namespace slimlm::tokenizer {
namespace {

class WrapProcessor final : public PostProcessor {
 public:
  WrapProcessor(int32_t cls, int32_t sep) : cls_(cls), sep_(sep) {}
  void process(std::vector<int32_t>& ids, bool add_special_tokens) const override {
    if (!add_special_tokens) return;
    ids.insert(ids.begin(), cls_);
    ids.push_back(sep_);
  }

 private:
  int32_t cls_, sep_;
};

class NoOpProcessor final : public PostProcessor {
 public:
  void process(std::vector<int32_t>&, bool) const override {}
};

int32_t token_pair_id(const Json& j, const char* key, const BuildContext& ctx, const char* where) {
  const Json& p = ctx.field(j, key, where);
  if (!p.is_array() || p.size() != 2 || !p[1].is_number_integer())
    ctx.fail(where, std::string("'") + key + "' must be [token, id]");
  return p[1].get<int32_t>();
}

std::unique_ptr<PostProcessor> make_wrap(const Json& j, const BuildContext& ctx, const char* where) {
  return std::make_unique<WrapProcessor>(token_pair_id(j, "cls", ctx, where),
                                         token_pair_id(j, "sep", ctx, where));
}

}  // namespace

std::unique_ptr<PostProcessor> make_roberta_processing(const Json& j, const BuildContext& ctx) {
  return make_wrap(j, ctx, "post_processor RobertaProcessing");
}
std::unique_ptr<PostProcessor> make_bert_processing(const Json& j, const BuildContext& ctx) {
  return make_wrap(j, ctx, "post_processor BertProcessing");
}
std::unique_ptr<PostProcessor> make_byte_level_processor(const Json&, const BuildContext&) {
  return std::make_unique<NoOpProcessor>();
}

}  // namespace slimlm::tokenizer
