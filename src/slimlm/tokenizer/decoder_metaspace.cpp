// Metaspace decoder: "▁" becomes a space, except in the first token where HF
// drops it (when a prefix was prepended at encode time).
#include <memory>

#include "slimlm/tokenizer/metaspace.h"

namespace slimlm::tokenizer {
namespace {

class MetaspaceDecoder final : public Decoder {
 public:
  explicit MetaspaceDecoder(MetaspaceOptions o) : o_(std::move(o)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    const std::string& rep = o_.replacement;
    for (size_t k = 0; k < tokens.size(); ++k) {
      const bool drop = k == 0 && o_.prepend != PrependScheme::kNever;
      std::string& t = tokens[k];
      std::string out;
      out.reserve(t.size());
      for (size_t i = 0; i < t.size();) {
        if (t.compare(i, rep.size(), rep) == 0) {
          if (!drop) out.push_back(' ');
          i += rep.size();
        } else {
          out.push_back(t[i++]);
        }
      }
      t = std::move(out);
    }
  }

 private:
  MetaspaceOptions o_;
};

}  // namespace

std::unique_ptr<Decoder> make_metaspace_decoder(const Json& j, const BuildContext& ctx) {
  return std::make_unique<MetaspaceDecoder>(metaspace_options(j, ctx, "decoder Metaspace"));
}

}  // namespace slimlm::tokenizer
