// Sequence: applies its pre-tokenizers in order.
#include <memory>
#include <vector>

#include "slimlm/tokenizer/registry.h"

namespace slimlm::tokenizer {
namespace {

class PreTokenizerSequence final : public PreTokenizer {
 public:
  explicit PreTokenizerSequence(std::vector<std::unique_ptr<PreTokenizer>> steps)
      : steps_(std::move(steps)) {}
  void pre_tokenize(PreTokenizedString& text) const override {
    for (const auto& s : steps_) s->pre_tokenize(text);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer_sequence(const Json& j, const BuildContext& ctx) {
  const Json& list = ctx.field(j, "pretokenizers", "pre_tokenizer Sequence");
  if (!list.is_array()) ctx.fail("pre_tokenizer Sequence", "'pretokenizers' must be a list");
  std::vector<std::unique_ptr<PreTokenizer>> steps;
  for (const Json& p : list) steps.push_back(ctx.pre_tokenizer(p));
  return std::make_unique<PreTokenizerSequence>(std::move(steps));
}

}  // namespace slimlm::tokenizer
