// Replace decoder: every match of the pattern in each token becomes `content`.
#include <memory>

#include "slimlm/tokenizer/pattern.h"

namespace slimlm::tokenizer {
namespace {

class ReplaceDecoder final : public Decoder {
 public:
  ReplaceDecoder(Pattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::string& t : tokens) t = pattern_.replace_all(t, content_);
  }

 private:
  Pattern pattern_;
  std::string content_;
};

}  // namespace

std::unique_ptr<Decoder> make_replace_decoder(const Json& j, const BuildContext& ctx) {
  constexpr const char* kWhere = "decoder Replace";
  return std::make_unique<ReplaceDecoder>(Pattern::from_json(ctx.field(j, "pattern", kWhere), ctx, kWhere),
                                          ctx.string_field(j, "content", kWhere));
}

}  // namespace slimlm::tokenizer
