// Sequence: applies its normalizers in order.
#include <memory>
#include <vector>

#include "slimlm/tokenizer/registry.h"

namespace slimlm::tokenizer {
namespace {

class NormalizerSequence final : public Normalizer {
 public:
  explicit NormalizerSequence(std::vector<std::unique_ptr<Normalizer>> steps)
      : steps_(std::move(steps)) {}
  void normalize(std::string& text) const override {
    for (const auto& s : steps_) s->normalize(text);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer_sequence(const Json& j, const BuildContext& ctx) {
  const Json& list = ctx.field(j, "normalizers", "normalizer Sequence");
  if (!list.is_array()) ctx.fail("normalizer Sequence", "'normalizers' must be a list");
  std::vector<std::unique_ptr<Normalizer>> steps;
  for (const Json& n : list) steps.push_back(ctx.normalizer(n));
  return std::make_unique<NormalizerSequence>(std::move(steps));
}

}  // namespace slimlm::tokenizer
