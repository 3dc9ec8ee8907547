#pragma once
// report.md: the study in GitHub Markdown — summary, Pareto frontier, the
// reference runs, every trial, and the per-layer sensitivity tables. Every
// cell goes through markdown_cell, so recipe text cannot break a table or
// inject HTML into a renderer.
#include <string>

#include "slimlm/report/study_data.h"

namespace slimlm::report {

std::string study_markdown(const StudyData& study);

}  // namespace slimlm::report
