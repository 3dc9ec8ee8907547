#pragma once
// The items tasks are made of, in lm-evaluation-harness terms. A
// multiple-choice item is scored by the log-likelihood of each continuation
// (target_delimiter + choice) given the context; a generation item by what
// the model writes greedily after its prompt.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace slimlm::eval {

struct McItem {
  std::string context;               // the full prompt, few-shot examples included
  std::vector<std::string> choices;  // without the delimiter
  int gold = 0;                      // index into choices
  std::string group;                 // MMLU subject; empty elsewhere
};

struct GenItem {
  std::string prompt;
  std::string reference;  // the gold answer as the task's metric compares it
  std::string group;
};

// One result row, the shape the experiment registry stores: a value, its unit
// and (for means) the standard error of the mean.
struct Metric {
  std::string name;   // "acc", "acc_norm", "exact_match", "ppl", ...
  double value = 0.0;
  std::string unit;   // "fraction", "tokens/s", "bytes", "J", "g", ...
  std::optional<double> std_error;
};

}  // namespace slimlm::eval
