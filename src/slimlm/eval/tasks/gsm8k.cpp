#include "slimlm/eval/tasks/gsm8k.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <regex>

#include "slimlm/core/error.h"
#include "slimlm/eval/tasks/task_file.h"

namespace slimlm::eval {

std::vector<Gsm8kProblem> parse_gsm8k(std::string_view text, const std::string& source) {
  std::vector<Gsm8kProblem> out;
  size_t pos = 0;
  int64_t line = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view l = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line;
    if (l.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(l);
    } catch (const nlohmann::json::parse_error& e) {
      throw FormatError(fmt::format("{}:{}: not valid JSON: {}", source, line, e.what()));
    }
    if (!j.is_object()) throw FormatError(fmt::format("{}:{}: expected a JSON object", source, line));
    for (const char* key : {"question", "answer"}) {
      if (!j.contains(key) || !j[key].is_string()) {
        throw FormatError(fmt::format("{}:{}: \"{}\" missing or not a string", source, line, key));
      }
    }
    out.push_back({j["question"].get<std::string>(), j["answer"].get<std::string>()});
  }
  return out;
}

std::vector<Gsm8kProblem> load_gsm8k(const std::filesystem::path& path) {
  return parse_gsm8k(read_task_file(path), path.string());
}

std::string gsm8k_question_text(const Gsm8kProblem& p) { return "Question: " + p.question + "\nAnswer:"; }

std::string gsm8k_prompt(const std::vector<Gsm8kProblem>& exemplars, int shots, const Gsm8kProblem& p) {
  std::string s;
  for (int k = 0; k < shots; ++k) {
    const auto& e = exemplars[static_cast<size_t>(k)];
    s += gsm8k_question_text(e) + " " + e.answer + "\n\n";
  }
  return s + gsm8k_question_text(p);
}

std::optional<std::string> gsm8k_extract_strict(std::string_view text) {
  static const std::regex re(R"(#### (\-?[0-9\.\,]+))");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_search(text.begin(), text.end(), m, re)) return std::nullopt;
  return m[1].str();
}

std::optional<std::string> gsm8k_extract_flexible(std::string_view text) {
  static const std::regex re(R"((-?[$0-9.,]{2,})|(-?[0-9]+))");
  std::optional<std::string> last;
  for (auto it = std::regex_iterator<std::string_view::const_iterator>(text.begin(), text.end(), re);
       it != std::regex_iterator<std::string_view::const_iterator>(); ++it) {
    const auto& m = *it;
    last = m[1].matched ? m[1].str() : m[2].str();
  }
  return last;
}

std::string gsm8k_normalize(std::string_view s) {
  std::string t;
  for (char c : s) {
    if (c != ',' && c != '$') t += c;
  }
  // "(?s).*#### ": greedy, so everything up to the last "#### ".
  const size_t marker = t.rfind("#### ");
  if (marker != std::string::npos) t.erase(0, marker + 5);
  // "\.$": Python's $ also matches before a final newline.
  if (!t.empty() && t.back() == '.') {
    t.pop_back();
  } else if (t.size() >= 2 && t.back() == '\n' && t[t.size() - 2] == '.') {
    t.erase(t.size() - 2, 1);
  }
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t;
}

std::vector<GenItem> gsm8k_items(const std::vector<Gsm8kProblem>& problems, int shots, int64_t limit) {
  if (shots < 0 || shots > kGsm8kExemplarPool) {
    throw ConfigError(fmt::format("gsm8k: --shots {} is outside 0..{} (the exemplars are the first {} test "
                                  "problems)",
                                  shots, kGsm8kExemplarPool, kGsm8kExemplarPool));
  }
  if (problems.size() <= static_cast<size_t>(kGsm8kExemplarPool)) {
    throw ConfigError(fmt::format("gsm8k: {} problems; the first {} are exemplars and none is left to score",
                                  problems.size(), kGsm8kExemplarPool));
  }
  const std::vector<Gsm8kProblem> exemplars(problems.begin(), problems.begin() + kGsm8kExemplarPool);
  std::vector<GenItem> items;
  size_t end = problems.size();
  if (limit > 0) end = std::min(end, static_cast<size_t>(kGsm8kExemplarPool + limit));
  for (size_t i = kGsm8kExemplarPool; i < end; ++i) {
    items.push_back({gsm8k_prompt(exemplars, shots, problems[i]), gsm8k_normalize(problems[i].answer), ""});
  }
  return items;
}

const std::vector<std::string>& gsm8k_stop_strings() {
  static const std::vector<std::string> kStops = {"Question:", "\n\n"};
  return kStops;
}

}  // namespace slimlm::eval
