// Sequence: applies its decoders in order.
#include <memory>
#include <vector>

#include "slimlm/tokenizer/registry.h"

namespace slimlm::tokenizer {
namespace {

class DecoderSequence final : public Decoder {
 public:
  explicit DecoderSequence(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& s : steps_) s->decode_chain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

}  // namespace

std::unique_ptr<Decoder> make_decoder_sequence(const Json& j, const BuildContext& ctx) {
  const Json& list = ctx.field(j, "decoders", "decoder Sequence");
  if (!list.is_array()) ctx.fail("decoder Sequence", "'decoders' must be a list");
  std::vector<std::unique_ptr<Decoder>> steps;
  for (const Json& d : list) steps.push_back(ctx.decoder(d));
  return std::make_unique<DecoderSequence>(std::move(steps));
}

}  // namespace slimlm::tokenizer
