#pragma once
// MMLU (Hendrycks et al.) from a folder with dev/<subject>_dev.csv and
// test/<subject>_test.csv, each with the header row
// question,choice0,choice1,choice2,choice3,answer and a 0-based answer
// (this copy's layout; the original CSVs have no header and letter answers).
// Prompts follow lm-eval's mmlu task: the description "The following are
// multiple choice questions (with answers) about <subject>.", the first K
// dev questions as shots, each "<question>\nA. ..\nB. ..\nC. ..\nD. ..\nAnswer:"
// and the scored continuations " A", " B", " C", " D".
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "slimlm/eval/tasks/task_types.h"

namespace slimlm::eval {

struct MmluQuestion {
  std::string question;
  std::string choices[4];
  int answer = 0;  // 0..3
};

struct MmluSubject {
  std::string name;  // "abstract_algebra"
  std::vector<MmluQuestion> dev;
  std::vector<MmluQuestion> test;
};

// Reads one CSV file; FormatError naming the file and line for a wrong
// header, a record without 6 fields or an answer outside 0-3.
std::vector<MmluQuestion> parse_mmlu_csv(std::string_view text, const std::string& source);

// Every subject with a test file (sorted), or only `subjects` when given
// (ConfigError naming an unknown one). A subject without a dev file can only
// be run zero-shot.
std::vector<MmluSubject> load_mmlu(const std::filesystem::path& dir, const std::vector<std::string>& subjects = {});

// "abstract_algebra" -> "abstract algebra".
std::string mmlu_subject_text(std::string_view subject);
// "<question>\nA. ..\nB. ..\nC. ..\nD. ..\nAnswer:".
std::string mmlu_question_text(const MmluQuestion& q);
// The description and `shots` solved dev questions, ready for a question.
std::string mmlu_prefix(const MmluSubject& s, int shots);

// One item per test question (the first `limit` per subject when > 0),
// choices "A".."D", group = subject. ConfigError when a subject has fewer dev
// questions than `shots`.
std::vector<McItem> mmlu_items(const std::vector<MmluSubject>& subjects, int shots, int64_t limit);

}  // namespace slimlm::eval
