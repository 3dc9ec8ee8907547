#pragma once
// How `slimlm eval` prints a ModelEvaluation: a table (one row per task
// metric, then speed, memory, energy and CO2 with the method behind the
// energy figure) or one JSON object with every number.
#include <string>

#include "slimlm/eval/suite/model_eval.h"

namespace slimlm::eval {

// groups: also one row per MMLU subject.
std::string evaluation_text(const ModelEvaluation& ev, bool groups = false);
std::string evaluation_json(const ModelEvaluation& ev);

}  // namespace slimlm::eval
