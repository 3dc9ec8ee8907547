// Metaspace (SentencePiece style): spaces become "▁", a "▁" is prepended
// (always, or only to the piece at the start of the text), and the text is
// split before each "▁".
#include <memory>

#include "slimlm/tokenizer/metaspace.h"
#include "slimlm/tokenizer/split_behavior.h"

namespace slimlm::tokenizer {

MetaspaceOptions metaspace_options(const Json& j, const BuildContext& ctx, const char* where) {
  MetaspaceOptions o;
  o.replacement = ctx.string_field(j, "replacement", where);
  size_t i = 0;
  if (o.replacement.empty() || (next_code_point(o.replacement, i), i != o.replacement.size()))
    ctx.fail(where, "'replacement' must be one character");
  bool have_scheme = false;
  if (auto it = j.find("prepend_scheme"); it != j.end() && !it->is_null()) {
    const std::string s = it->is_string() ? it->get<std::string>() : "";
    if (s == "always") o.prepend = PrependScheme::kAlways;
    else if (s == "first") o.prepend = PrependScheme::kFirst;
    else if (s == "never") o.prepend = PrependScheme::kNever;
    else ctx.fail(where, "unknown prepend_scheme '" + it->dump() + "'");
    have_scheme = true;
  }
  // Files written before prepend_scheme existed say add_prefix_space.
  if (auto it = j.find("add_prefix_space"); it != j.end() && it->is_boolean() && !it->get<bool>()) {
    if (have_scheme && o.prepend != PrependScheme::kNever)
      ctx.fail(where, "add_prefix_space=false contradicts prepend_scheme");
    o.prepend = PrependScheme::kNever;
  }
  o.split = ctx.bool_field(j, "split", true, where);
  return o;
}

namespace {

class MetaspacePreTokenizer final : public PreTokenizer {
 public:
  explicit MetaspacePreTokenizer(MetaspaceOptions o)
      : o_(std::move(o)), replacement_cp_([&] {
          size_t i = 0;
          return next_code_point(o_.replacement, i);
        }()) {}

  void pre_tokenize(PreTokenizedString& text) const override {
    thread_local std::string s;
    thread_local std::vector<Span> spans;
    text.split([&](std::string_view piece, bool at_origin, PreTokenizedString::Sink& out) {
      s.clear();
      const bool starts_with_rep = piece.front() == ' ' || piece.substr(0, o_.replacement.size()) == o_.replacement;
      if (!starts_with_rep && (o_.prepend == PrependScheme::kAlways ||
                               (o_.prepend == PrependScheme::kFirst && at_origin))) {
        s.append(o_.replacement);
      }
      for (char c : piece) {
        if (c == ' ') s.append(o_.replacement);
        else s.push_back(c);
      }
      if (!o_.split) {
        out.add(s, at_origin);
        return;
      }
      char_spans(s, [&](char32_t c) { return c == replacement_cp_; }, spans);
      emit_spans(s, at_origin, spans, SplitBehavior::kMergedWithNext, out);
    });
  }

 private:
  MetaspaceOptions o_;
  char32_t replacement_cp_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_metaspace_pre_tokenizer(const Json& j, const BuildContext& ctx) {
  return std::make_unique<MetaspacePreTokenizer>(metaspace_options(j, ctx, "pre_tokenizer Metaspace"));
}

}  // namespace slimlm::tokenizer
