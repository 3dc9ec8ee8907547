// Sequence: applies its post-processors in order.
#include <memory>
#include <vector>

#include "slimlm/tokenizer/registry.h"

namespace slimlm::tokenizer {
namespace {

class ProcessorSequence final : public PostProcessor {
 public:
  explicit ProcessorSequence(std::vector<std::unique_ptr<PostProcessor>> steps)
      : steps_(std::move(steps)) {}
  void process(std::vector<int32_t>& ids, bool add_special_tokens) const override {
    for (const auto& s : steps_) s->process(ids, add_special_tokens);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> steps_;
};

}  // namespace

std::unique_ptr<PostProcessor> make_processor_sequence(const Json& j, const BuildContext& ctx) {
  const Json& list = ctx.field(j, "processors", "post_processor Sequence");
  if (!list.is_array()) ctx.fail("post_processor Sequence", "'processors' must be a list");
  std::vector<std::unique_ptr<PostProcessor>> steps;
  for (const Json& p : list) steps.push_back(ctx.post_processor(p));
  return std::make_unique<ProcessorSequence>(std::move(steps));
}

}  // namespace slimlm::tokenizer
