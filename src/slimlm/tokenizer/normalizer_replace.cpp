// Replace: every match of a String or Regex pattern becomes `content`.
#include <memory>

#include "slimlm/tokenizer/pattern.h"

namespace slimlm::tokenizer {
namespace {

class Replace final : public Normalizer {
 public:
  Replace(Pattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void normalize(std::string& text) const override {
    text = pattern_.replace_all(text, content_);
  }

 private:
  Pattern pattern_;
  std::string content_;
};

}  // namespace

std::unique_ptr<Normalizer> make_replace_normalizer(const Json& j, const BuildContext& ctx) {
  constexpr const char* kWhere = "normalizer Replace";
  return std::make_unique<Replace>(Pattern::from_json(ctx.field(j, "pattern", kWhere), ctx, kWhere),
                                   ctx.string_field(j, "content", kWhere));
}

}  // namespace slimlm::tokenizer
