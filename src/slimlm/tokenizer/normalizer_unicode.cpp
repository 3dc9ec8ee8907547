// NFC / NFD / NFKC / NFKD through utf8proc.
#include <utf8proc.h>

#include <cstdlib>
#include <memory>

#include "slimlm/core/error.h"
#include "slimlm/tokenizer/registry.h"

namespace slimlm::tokenizer {
namespace {

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(int options) : options_(options) {}
  void normalize(std::string& text) const override {
    bool ascii = true;
    for (unsigned char c : text) ascii &= c < 0x80;
    if (ascii) return;  // every form leaves ASCII alone
    utf8proc_uint8_t* out = nullptr;
    const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                static_cast<utf8proc_ssize_t>(text.size()), &out,
                                static_cast<utf8proc_option_t>(options_));
    std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> guard(out, &std::free);
    if (n < 0) throw FormatError(std::string("Unicode normalization failed: ") + utf8proc_errmsg(n));
    text.assign(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
  }

 private:
  int options_;
};

}  // namespace

std::unique_ptr<Normalizer> make_nfc(const Json&, const BuildContext&) {
  return std::make_unique<UnicodeNormalizer>(UTF8PROC_STABLE | UTF8PROC_COMPOSE);
}
std::unique_ptr<Normalizer> make_nfd(const Json&, const BuildContext&) {
  return std::make_unique<UnicodeNormalizer>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE);
}
std::unique_ptr<Normalizer> make_nfkc(const Json&, const BuildContext&) {
  return std::make_unique<UnicodeNormalizer>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
}
std::unique_ptr<Normalizer> make_nfkd(const Json&, const BuildContext&) {
  return std::make_unique<UnicodeNormalizer>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
}

}  // namespace slimlm::tokenizer
