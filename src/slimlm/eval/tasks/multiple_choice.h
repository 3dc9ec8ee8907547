#pragma once
// Multiple-choice scoring with lm-eval's metrics: acc = the choice with the
// highest log-likelihood is the gold one; acc_norm = the same after dividing
// each log-likelihood by the length of its choice (lm-eval's
// len(choice): characters of the choice text, without the delimiter — bytes
// for ASCII data such as HellaSwag and MMLU). Ties go to the first choice
// (np.argmax). Every accuracy carries the standard error of the mean of its
// 0/1 values: sample standard deviation / sqrt(n) (lm-eval's mean_stderr).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "slimlm/eval/tasks/loglikelihood.h"
#include "slimlm/eval/tasks/task_types.h"

namespace slimlm::model {
class Model;
}
namespace slimlm::tokenizer {
class Tokenizer;
}

namespace slimlm::eval {

// Unicode code points of UTF-8 text (Python's len(str)); a stray byte counts
// as one.
size_t utf8_length(std::string_view s);

struct McItemScore {
  std::vector<double> lls;  // one per choice
  int pred = 0;             // argmax ll
  int pred_norm = 0;        // argmax ll / len(choice)
  bool acc = false;
  bool acc_norm = false;
};

// Pure: the item's scores from its choices' log-likelihoods.
McItemScore score_mc_item(const std::vector<double>& lls, const std::vector<std::string>& choices, int gold);

struct MeanStderr {
  double mean = 0.0;
  double std_error = 0.0;
  int64_t n = 0;
};
// lm-eval's mean and mean_stderr (sample sd, n − 1); stderr 0 for n < 2.
MeanStderr mean_stderr(const std::vector<double>& values);

struct McOptions {
  std::string target_delimiter = " ";
  bool add_bos = false;
  ScorerOptions scorer;
  size_t items_per_block = 1024;  // items tokenized and scored together (bounds memory)
};

struct McRun {
  std::vector<McItemScore> scores;  // item order
  ScoreStats stats;
};

// Tokenizes every (context, delimiter + choice) pair and scores them.
McRun run_multiple_choice(const model::Model& m, const tokenizer::Tokenizer& tok, const std::vector<McItem>& items,
                          const McOptions& opts);

// acc and acc_norm (unit "fraction") with standard errors.
std::vector<Metric> mc_metrics(const std::vector<McItemScore>& scores);

// The id lm-eval puts in an empty context: the tokenizer's EOS, else the
// config's, else 0.
int32_t eot_id(const model::Model& m, const tokenizer::Tokenizer& tok);
// BOS for add_bos runs: the config's bos_token_id, else the tokenizer's;
// ConfigError when neither has one.
int32_t bos_id_for(const model::Model& m, const tokenizer::Tokenizer& tok);

}  // namespace slimlm::eval
