#include "slimlm/eval/tasks/mmlu.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <system_error>

#include "slimlm/core/error.h"
#include "slimlm/eval/tasks/csv_reader.h"
#include "slimlm/eval/tasks/task_file.h"

namespace slimlm::eval {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kHeader[] = {"question", "choice0", "choice1", "choice2", "choice3", "answer"};
constexpr std::string_view kLetters[] = {"A", "B", "C", "D"};

std::string_view strip(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<MmluQuestion> read_split(const fs::path& p) { return parse_mmlu_csv(read_task_file(p), p.string()); }

}  // namespace

std::vector<MmluQuestion> parse_mmlu_csv(std::string_view text, const std::string& source) {
  const auto records = parse_csv(text, source);
  if (records.empty()) throw FormatError(fmt::format("{}: empty MMLU file (expected a header row)", source));
  const auto& h = records.front();
  bool header_ok = h.fields.size() == 6;
  for (size_t i = 0; header_ok && i < 6; ++i) header_ok = strip(h.fields[i]) == kHeader[i];
  if (!header_ok) {
    throw FormatError(fmt::format("{}:{}: header must be question,choice0,choice1,choice2,choice3,answer", source,
                                  h.line));
  }
  std::vector<MmluQuestion> out;
  for (size_t r = 1; r < records.size(); ++r) {
    const auto& rec = records[r];
    if (rec.fields.size() != 6) {
      throw FormatError(fmt::format("{}:{}: {} fields, expected 6 (question, 4 choices, answer)", source, rec.line,
                                    rec.fields.size()));
    }
    const std::string_view a = strip(rec.fields[5]);
    if (a.size() != 1 || a[0] < '0' || a[0] > '3') {
      throw FormatError(fmt::format("{}:{}: answer '{}' is not 0, 1, 2 or 3 (0-based choice index)", source,
                                    rec.line, a));
    }
    MmluQuestion q;
    q.question = rec.fields[0];
    for (int c = 0; c < 4; ++c) q.choices[c] = rec.fields[static_cast<size_t>(c) + 1];
    q.answer = a[0] - '0';
    out.push_back(std::move(q));
  }
  return out;
}

std::vector<MmluSubject> load_mmlu(const fs::path& dir, const std::vector<std::string>& subjects) {
  const fs::path test_dir = dir / "test";
  std::error_code ec;
  if (!fs::is_directory(test_dir, ec)) {
    throw IoError(fmt::format("{}: no test/ folder (expected dev/<subject>_dev.csv and test/<subject>_test.csv)",
                              dir.string()));
  }
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(test_dir, ec)) {
    const std::string f = e.path().filename().string();
    constexpr std::string_view kSuffix = "_test.csv";
    if (f.size() > kSuffix.size() && f.compare(f.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
      names.push_back(f.substr(0, f.size() - kSuffix.size()));
    }
  }
  std::sort(names.begin(), names.end());
  if (names.empty()) throw IoError(fmt::format("{}: no <subject>_test.csv files", test_dir.string()));
  if (!subjects.empty()) {
    const std::set<std::string> have(names.begin(), names.end());
    for (const auto& s : subjects) {
      if (!have.count(s)) {
        throw ConfigError(fmt::format("MMLU subject '{}' not found in {} ({} subjects, e.g. {})", s,
                                      test_dir.string(), names.size(), names.front()));
      }
    }
    names = subjects;
  }
  std::vector<MmluSubject> out;
  for (const auto& name : names) {
    MmluSubject s;
    s.name = name;
    s.test = read_split(test_dir / (name + "_test.csv"));
    const fs::path dev = dir / "dev" / (name + "_dev.csv");
    if (fs::exists(dev, ec)) s.dev = read_split(dev);
    out.push_back(std::move(s));
  }
  return out;
}

std::string mmlu_subject_text(std::string_view subject) {
  std::string s(subject);
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

std::string mmlu_question_text(const MmluQuestion& q) {
  std::string s(strip(q.question));
  for (int c = 0; c < 4; ++c) s += fmt::format("\n{}. {}", kLetters[c], q.choices[c]);
  return s + "\nAnswer:";
}

std::string mmlu_prefix(const MmluSubject& s, int shots) {
  if (shots < 0 || static_cast<size_t>(shots) > s.dev.size()) {
    throw ConfigError(fmt::format("MMLU {}: {} shots asked, the dev split has {} questions", s.name, shots,
                                  s.dev.size()));
  }
  std::string p =
      fmt::format("The following are multiple choice questions (with answers) about {}.\n\n", mmlu_subject_text(s.name));
  for (int k = 0; k < shots; ++k) {
    const auto& q = s.dev[static_cast<size_t>(k)];
    p += mmlu_question_text(q) + " " + std::string(kLetters[q.answer]) + "\n\n";
  }
  return p;
}

std::vector<McItem> mmlu_items(const std::vector<MmluSubject>& subjects, int shots, int64_t limit) {
  std::vector<McItem> items;
  for (const auto& s : subjects) {
    const std::string prefix = mmlu_prefix(s, shots);
    const size_t n = limit > 0 ? std::min(s.test.size(), static_cast<size_t>(limit)) : s.test.size();
    for (size_t i = 0; i < n; ++i) {
      McItem it;
      it.context = prefix + mmlu_question_text(s.test[i]);
      it.choices = {"A", "B", "C", "D"};
      it.gold = s.test[i].answer;
      it.group = s.name;
      items.push_back(std::move(it));
    }
  }
  return items;
}

}  // namespace slimlm::eval
