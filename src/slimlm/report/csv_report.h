#pragma once
// trials.csv: one row per trial (RFC 4180), for spreadsheets and pandas.
// Columns: number, generation, state, stage, summary, feasible, violation,
// frontier, run_id, one per parameter (the union over trials, in order of
// first appearance), one per metric (objectives first, then every metric
// name, sorted), proxy predictions of the objectives ("proxy:<metric>"), error.
#include <string>

#include "slimlm/report/study_data.h"

namespace slimlm::report {

std::string study_csv(const StudyData& study);

}  // namespace slimlm::report
