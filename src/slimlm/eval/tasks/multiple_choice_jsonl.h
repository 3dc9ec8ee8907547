#pragma once
// Any multiple-choice set as JSON Lines, one item per line:
//   {"context": "Question: 2 + 2 =\nAnswer:", "choices": ["4", "5"], "answer": 0}
// context: the prompt, as the model sees it; choices: at least two non-empty
// strings, each scored as " " + choice (lm-eval's default target_delimiter);
// answer: the 0-based index of the right choice. Other keys are ignored.
// Blank lines are skipped. See docs/tasks.md.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "slimlm/eval/tasks/task_types.h"

namespace slimlm::eval {

// FormatError naming `source` and the line for malformed JSON, a missing or
// mistyped key, fewer than two choices, an empty choice, or an answer out
// of range.
std::vector<McItem> parse_mc_jsonl(std::string_view text, const std::string& source);
std::vector<McItem> load_mc_jsonl(const std::filesystem::path& path);

// lm-eval few-shot layout for K > 0: the first K items, solved
// ("<context> <gold choice>"), then a blank line, before each remaining item;
// the exemplars are not scored. ConfigError when K leaves no item.
std::vector<McItem> with_shots(const std::vector<McItem>& items, int shots, int64_t limit);

}  // namespace slimlm::eval
