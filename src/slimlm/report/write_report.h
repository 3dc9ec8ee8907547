#pragma once
// Writes a study's report files into a folder: index.html, report.md,
// trials.csv, study.json (any subset). Each file is written atomically
// (io/atomic_file.h); the folder is created if needed and other files in it
// are left alone.
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

#include "slimlm/report/study_data.h"

namespace slimlm::report {

enum class ReportFormat : uint8_t { kHtml = 0, kMarkdown = 1, kCsv = 2, kJson = 3 };

std::string_view to_string(ReportFormat f);          // "html", "md", "csv", "json"
std::string_view file_name(ReportFormat f);          // "index.html", "report.md", "trials.csv", "study.json"
std::vector<ReportFormat> all_report_formats();

// "html,md,csv,json" (also "markdown"); order kept, repeats dropped.
// ConfigError naming `flag` and the bad entry, listing the known ones.
std::vector<ReportFormat> parse_report_formats(std::string_view list, std::string_view flag = "--format");

// The text of one format.
std::string render_report(const StudyData& study, ReportFormat f);

// Returns the paths written, in the order of `formats`. IoError naming the
// folder or file on failure.
std::vector<std::filesystem::path> write_report(const StudyData& study, const std::filesystem::path& dir,
                                                const std::vector<ReportFormat>& formats = all_report_formats());

}  // namespace slimlm::report
