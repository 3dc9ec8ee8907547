#pragma once
// GSM8K (Cobbe et al. 2021) from test.jsonl ({"question", "answer"}; the
// answer is worked reasoning ending in "#### <number>"), scored like
// lm-eval's gsm8k task: few-shot chain of thought "Question: ..\nAnswer: <full
// worked answer>" blocks separated by a blank line, greedy generation, then
// exact match of the extracted number after removing ",", "$", everything up
// to "#### " and a final "." — "strict" takes the number after "#### ",
// "flexible" the last number in the text.
//
// This copy has no train split, so the shots are the first
// kGsm8kExemplarPool test problems, always excluded from scoring (whatever
// --shots is, so that scores with different K cover the same problems).
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "slimlm/eval/tasks/task_types.h"

namespace slimlm::eval {

inline constexpr int kGsm8kExemplarPool = 8;
inline constexpr int kGsm8kDefaultShots = 5;  // lm-eval's gsm8k num_fewshot

struct Gsm8kProblem {
  std::string question;
  std::string answer;  // worked solution with "#### N"
};

// FormatError naming `source` and the line for malformed JSON or a missing /
// non-string "question" or "answer".
std::vector<Gsm8kProblem> parse_gsm8k(std::string_view jsonl, const std::string& source);
std::vector<Gsm8kProblem> load_gsm8k(const std::filesystem::path& path);

// "Question: <q>\nAnswer:", the part the model continues.
std::string gsm8k_question_text(const Gsm8kProblem& p);
// The `shots` solved exemplars followed by the question.
std::string gsm8k_prompt(const std::vector<Gsm8kProblem>& exemplars, int shots, const Gsm8kProblem& p);

// lm-eval's regexes: strict "#### (\-?[0-9\.\,]+)" (first match), flexible
// "(-?[$0-9.,]{2,})|(-?[0-9]+)" (last match). nullopt when nothing matches.
std::optional<std::string> gsm8k_extract_strict(std::string_view text);
std::optional<std::string> gsm8k_extract_flexible(std::string_view text);
// lm-eval exact_match normalisation: drop ",", "$", "(?s).*#### ", "\.$";
// lower case.
std::string gsm8k_normalize(std::string_view s);

// Items for problems [kGsm8kExemplarPool, ...), the first `limit` when > 0;
// reference = the normalised gold number. ConfigError when shots is outside
// 0..kGsm8kExemplarPool or the file has no problem left to score.
std::vector<GenItem> gsm8k_items(const std::vector<Gsm8kProblem>& problems, int shots, int64_t limit);

// Stop strings of the generation (with the model's EOS).
const std::vector<std::string>& gsm8k_stop_strings();

}  // namespace slimlm::eval
