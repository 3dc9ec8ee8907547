#include "slimlm/eval/tasks/hellaswag.h"

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/eval/tasks/task_file.h"

namespace slimlm::eval {
namespace {

std::string_view strip(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

bool ascii_lower(char c) { return c >= 'a' && c <= 'z'; }
bool ascii_upper(char c) { return c >= 'A' && c <= 'Z'; }

}  // namespace

std::string hellaswag_preprocess(std::string_view text) {
  std::string s(strip(text));
  s = replace_all(std::move(s), " [title]", ". ");
  // re.sub("\\[.*?\\]", "", s): each "[" up to the first "]" after it.
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '[') {
      const size_t close = s.find(']', i + 1);
      if (close != std::string::npos) {
        i = close + 1;
        continue;
      }
    }
    out += s[i++];
  }
  // Python's str.replace is one left-to-right pass, so "   " becomes "  ".
  return replace_all(std::move(out), "  ", " ");
}

std::string hellaswag_query(std::string_view context_line) {
  std::string line(context_line);
  // ctx_b: the fragment after the last ". " when it starts in lower case
  // (ActivityNet); lm-eval joins ctx_a + " " + ctx_b.capitalize().
  const size_t label_end = line.find(": ");
  const size_t body = label_end == std::string::npos ? 0 : label_end + 2;
  const size_t dot = line.rfind(". ");
  if (dot != std::string::npos && dot >= body) {
    const size_t b = dot + 2;
    if (b < line.size() && ascii_lower(line[b])) {
      line[b] = static_cast<char>(line[b] - 'a' + 'A');
      for (size_t i = b + 1; i < line.size(); ++i) {
        if (ascii_upper(line[i])) line[i] = static_cast<char>(line[i] - 'A' + 'a');
      }
    }
  }
  return hellaswag_preprocess(line);
}

std::vector<McItem> parse_hellaswag(std::string_view text, const std::string& source) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view l = text.substr(pos, eol - pos);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    lines.push_back(l);
    pos = eol + 1;
  }
  while (!lines.empty() && strip(lines.back()).empty()) lines.pop_back();
  if (lines.empty()) throw FormatError(fmt::format("{}: no HellaSwag tasks", source));
  if (lines.size() % 6 != 0) {
    throw FormatError(fmt::format("{}:{}: {} lines is not a whole number of 6-line tasks (context, label, 4 "
                                  "endings); the last task is cut short",
                                  source, lines.size(), lines.size()));
  }
  std::vector<McItem> items;
  items.reserve(lines.size() / 6);
  for (size_t t = 0; t < lines.size(); t += 6) {
    const auto line_no = [&](size_t k) { return t + k + 1; };
    if (strip(lines[t]).empty()) throw FormatError(fmt::format("{}:{}: empty context line", source, line_no(0)));
    const std::string_view label = strip(lines[t + 1]);
    if (label.size() != 1 || label[0] < '0' || label[0] > '3') {
      throw FormatError(fmt::format("{}:{}: gold label '{}' is not 0, 1, 2 or 3", source, line_no(1), label));
    }
    McItem item;
    item.context = hellaswag_query(lines[t]);
    item.gold = label[0] - '0';
    for (size_t k = 2; k < 6; ++k) {
      if (strip(lines[t + k]).empty()) {
        throw FormatError(fmt::format("{}:{}: empty ending {}", source, line_no(k), k - 2));
      }
      item.choices.push_back(hellaswag_preprocess(lines[t + k]));
    }
    items.push_back(std::move(item));
  }
  return items;
}

std::vector<McItem> load_hellaswag(const std::filesystem::path& path) {
  return parse_hellaswag(read_task_file(path), path.string());
}

}  // namespace slimlm::eval
