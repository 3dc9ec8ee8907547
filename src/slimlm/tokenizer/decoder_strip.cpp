// Strip: removes up to `start` leading and `stop` trailing copies of one
// character from every token (Llama-2 drops the space its "▁" prefix left).
#include <memory>

#include "slimlm/tokenizer/registry.h"
#include "slimlm/tokenizer/unicode.h"

namespace slimlm::tokenizer {
namespace {

class StripDecoder final : public Decoder {
 public:
  StripDecoder(char32_t content, size_t start, size_t stop)
      : content_(content), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<size_t> starts;  // byte offset of each code point, plus the end
    for (std::string& t : tokens) {
      starts.clear();
      std::vector<char32_t> cps;
      for (size_t i = 0; i < t.size();) {
        starts.push_back(i);
        cps.push_back(next_code_point(t, i));
      }
      starts.push_back(t.size());
      size_t cut_start = 0;
      for (size_t i = 0; i < start_ && i < cps.size() && cps[i] == content_; ++i) cut_start = i + 1;
      size_t cut_stop = cps.size();
      for (size_t i = 0; i < stop_ && i < cps.size(); ++i) {
        const size_t idx = cps.size() - i - 1;
        if (cps[idx] != content_) break;
        cut_stop = idx;
      }
      if (cut_stop < cut_start) cut_stop = cut_start;
      t = t.substr(starts[cut_start], starts[cut_stop] - starts[cut_start]);
    }
  }

 private:
  char32_t content_;
  size_t start_, stop_;
};

}  // namespace

std::unique_ptr<Decoder> make_strip_decoder(const Json& j, const BuildContext& ctx) {
  constexpr const char* kWhere = "decoder Strip";
  const std::string content = ctx.string_field(j, "content", kWhere);
  size_t i = 0;
  if (content.empty() || (next_code_point(content, i), i != content.size()))
    ctx.fail(kWhere, "'content' must be one character");
  i = 0;
  const int64_t start = ctx.int_field(j, "start", kWhere), stop = ctx.int_field(j, "stop", kWhere);
  if (start < 0 || stop < 0) ctx.fail(kWhere, "'start' and 'stop' must not be negative");
  return std::make_unique<StripDecoder>(next_code_point(content, i), static_cast<size_t>(start),
                                        static_cast<size_t>(stop));
}

}  // namespace slimlm::tokenizer
