#include "slimlm/eval/tasks/multiple_choice_jsonl.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "slimlm/core/error.h"
#include "slimlm/eval/tasks/task_file.h"

namespace slimlm::eval {

std::vector<McItem> parse_mc_jsonl(std::string_view text, const std::string& source) {
  std::vector<McItem> items;
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
    if (!j.contains("context") || !j["context"].is_string()) {
      throw FormatError(fmt::format("{}:{}: \"context\" missing or not a string", source, line));
    }
    if (!j.contains("choices") || !j["choices"].is_array()) {
      throw FormatError(fmt::format("{}:{}: \"choices\" missing or not an array of strings", source, line));
    }
    if (!j.contains("answer") || !j["answer"].is_number_integer()) {
      throw FormatError(fmt::format("{}:{}: \"answer\" missing or not an integer (0-based choice index)", source,
                                    line));
    }
    McItem it;
    it.context = j["context"].get<std::string>();
    for (const auto& c : j["choices"]) {
      if (!c.is_string()) throw FormatError(fmt::format("{}:{}: a choice is not a string", source, line));
      if (c.get<std::string>().empty()) throw FormatError(fmt::format("{}:{}: empty choice", source, line));
      it.choices.push_back(c.get<std::string>());
    }
    if (it.choices.size() < 2) {
      throw FormatError(fmt::format("{}:{}: {} choice(s); a multiple-choice item needs at least 2", source, line,
                                    it.choices.size()));
    }
    const int64_t a = j["answer"].get<int64_t>();
    if (a < 0 || a >= static_cast<int64_t>(it.choices.size())) {
      throw FormatError(fmt::format("{}:{}: answer {} is outside 0..{}", source, line, a, it.choices.size() - 1));
    }
    it.gold = static_cast<int>(a);
    items.push_back(std::move(it));
  }
  if (items.empty()) throw FormatError(fmt::format("{}: no items", source));
  return items;
}

std::vector<McItem> load_mc_jsonl(const std::filesystem::path& path) {
  return parse_mc_jsonl(read_task_file(path), path.string());
}

std::vector<McItem> with_shots(const std::vector<McItem>& items, int shots, int64_t limit) {
  if (shots < 0) throw ConfigError(fmt::format("--shots {} must be >= 0", shots));
  if (static_cast<size_t>(shots) >= items.size()) {
    throw ConfigError(fmt::format("--shots {}: the set has {} items and the exemplars would leave none to score",
                                  shots, items.size()));
  }
  std::string prefix;
  for (int k = 0; k < shots; ++k) {
    const auto& e = items[static_cast<size_t>(k)];
    prefix += e.context + " " + e.choices[static_cast<size_t>(e.gold)] + "\n\n";
  }
  std::vector<McItem> out;
  size_t end = items.size();
  if (limit > 0) end = std::min(end, static_cast<size_t>(shots) + static_cast<size_t>(limit));
  for (size_t i = static_cast<size_t>(shots); i < end; ++i) {
    McItem it = items[i];
    it.context = prefix + it.context;
    out.push_back(std::move(it));
  }
  return out;
}

}  // namespace slimlm::eval
