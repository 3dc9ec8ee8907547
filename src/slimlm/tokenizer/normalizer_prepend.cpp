// Prepend: puts a fixed string (Llama-2's "▁") before every non-empty piece.
#include <memory>

#include "slimlm/tokenizer/registry.h"

namespace slimlm::tokenizer {
namespace {

class Prepend final : public Normalizer {
 public:
  explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(std::string& text) const override {
    if (!text.empty()) text.insert(0, prefix_);
  }

 private:
  std::string prefix_;
};

}  // namespace

std::unique_ptr<Normalizer> make_prepend_normalizer(const Json& j, const BuildContext& ctx) {
  return std::make_unique<Prepend>(ctx.string_field(j, "prepend", "normalizer Prepend"));
}

}  // namespace slimlm::tokenizer
