// Strip: removes leading and/or trailing whitespace (Rust char::is_whitespace).
#include <memory>

#include "slimlm/tokenizer/registry.h"
#include "slimlm/tokenizer/unicode.h"

namespace slimlm::tokenizer {
namespace {

class Strip final : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void normalize(std::string& text) const override {
    size_t begin = 0, end = text.size();
    if (left_) {
      while (begin < text.size()) {
        size_t next = begin;
        if (!is_whitespace(next_code_point(text, next))) break;
        begin = next;
      }
    }
    if (right_) {
      size_t i = begin;
      size_t last_non_space_end = begin;
      while (i < text.size()) {
        const char32_t c = next_code_point(text, i);
        if (!is_whitespace(c)) last_non_space_end = i;
      }
      end = last_non_space_end;
    }
    text = text.substr(begin, end - begin);
  }

 private:
  bool left_, right_;
};

}  // namespace

std::unique_ptr<Normalizer> make_strip_normalizer(const Json& j, const BuildContext& ctx) {
  constexpr const char* kWhere = "normalizer Strip";
  return std::make_unique<Strip>(ctx.bool_field(j, "strip_left", true, kWhere),
                                 ctx.bool_field(j, "strip_right", true, kWhere));
}

}  // namespace slimlm::tokenizer
