#pragma once
// The JSON the HTML report's script draws from: per trial the lines of its
// tooltip (already formatted), the plots and the heat maps (plots.h). It is
// embedded in the page through json_for_script, and the script only ever
// puts its strings into the DOM as text.
#include <nlohmann/json.hpp>

#include "slimlm/report/study_data.h"

namespace slimlm::report {

nlohmann::ordered_json html_page_data(const StudyData& study);

}  // namespace slimlm::report
