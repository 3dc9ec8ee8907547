#pragma once
// index.html: one self-contained page (inline CSS, scripts and data; no
// network). Header with the study, model, sampler, trial counts and hardware;
// the frontier table linking each point to its recipe; a scatter plot per
// objective pair (plus quality vs size and vs decode speed) with one mark per
// trial, frontier marks highlighted and joined by the front's step line, and
// hover details; per-layer sensitivity heat maps; the table of every trial
// (sortable); the recipe of each frontier point; the study's config.
//
// Injection: every text is HTML-escaped in C++, the data blob is escaped for
// <script> (json_for_script), the script only assigns textContent, and a
// Content-Security-Policy admits only the page's own two scripts (by hash) —
// so a recipe string can never become markup or code.
#include <string>

#include "slimlm/report/study_data.h"

namespace slimlm::report {

std::string study_html(const StudyData& study);

// The CSP source of an inline script: "'sha256-<base64 digest>'".
std::string csp_script_hash(std::string_view script);

}  // namespace slimlm::report
