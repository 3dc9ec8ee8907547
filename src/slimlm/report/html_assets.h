#pragma once
// The style sheet and scripts of the HTML report, inlined into the page so
// that it is one file that works offline (no network, no external JS/CSS).
#include <string_view>

namespace slimlm::report {

std::string_view report_css();
// First script of <body>: records window errors, unhandled rejections and
// console.error calls into #report-errors (data-errors="N"), which the
// browser test reads from the dumped DOM.
std::string_view error_hook_js();
// Draws the plots and heat maps from #report-data, tooltips, highlighting
// across plots and tables, sortable tables; sets data-ready="1" on <body>.
std::string_view report_js();

}  // namespace slimlm::report
