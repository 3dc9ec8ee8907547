// Fuse: joins all tokens into one.
#include <memory>

#include "slimlm/tokenizer/registry.h"

namespace slimlm::tokenizer {
namespace {

class FuseDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string all;
    for (const std::string& t : tokens) all += t;
    tokens.assign(1, std::move(all));
  }
};

}  // namespace

std::unique_ptr<Decoder> make_fuse_decoder(const Json&, const BuildContext&) {
  return std::make_unique<FuseDecoder>();
}

}  // namespace slimlm::tokenizer
