#include "slimlm/tokenizer/pattern.h"

namespace slimlm::tokenizer {

Pattern Pattern::from_json(const Json& j, const BuildContext& ctx, std::string_view where) {
  if (!j.is_object() || j.size() != 1) ctx.fail(where, "pattern must be {\"String\": ...} or {\"Regex\": ...}");
  Pattern p;
  if (auto it = j.find("String"); it != j.end() && it->is_string()) {
    p.literal_ = it->get<std::string>();
  } else if (auto r = j.find("Regex"); r != j.end() && r->is_string()) {
    p.regex_.emplace(r->get<std::string>(), ctx.source + ": " + std::string(where));
  } else {
    ctx.fail(where, "pattern must be {\"String\": ...} or {\"Regex\": ...}");
  }
  return p;
}

Pattern Pattern::literal(std::string text) {
  Pattern p;
  p.literal_ = std::move(text);
  return p;
}

std::string Pattern::replace_all(std::string_view s, std::string_view content) const {
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  size_t last = 0;
  for_each_match(s, [&](const Match& m) {
    out.append(s.substr(last, m.begin - last));
    out.append(content);
    last = m.end;
  });
  out.append(s.substr(last));
  return out;
}

}  // namespace slimlm::tokenizer
