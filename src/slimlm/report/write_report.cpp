#include "slimlm/report/write_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>

#include "slimlm/core/error.h"
#include "slimlm/io/atomic_file.h"
#include "slimlm/report/csv_report.h"
#include "slimlm/report/html_report.h"
#include "slimlm/report/json_report.h"
#include "slimlm/report/markdown_report.h"

namespace slimlm::report {
namespace {

struct FormatInfo {
  ReportFormat format;
  std::string_view name;
  std::string_view file;
};

constexpr FormatInfo kFormats[] = {
    {ReportFormat::kHtml, "html", "index.html"},
    {ReportFormat::kMarkdown, "md", "report.md"},
    {ReportFormat::kCsv, "csv", "trials.csv"},
    {ReportFormat::kJson, "json", "study.json"},
};

const FormatInfo& info(ReportFormat f) {
  return *std::find_if(std::begin(kFormats), std::end(kFormats), [&](const FormatInfo& i) { return i.format == f; });
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::string_view to_string(ReportFormat f) { return info(f).name; }
std::string_view file_name(ReportFormat f) { return info(f).file; }

std::vector<ReportFormat> all_report_formats() {
  std::vector<ReportFormat> out;
  for (const auto& i : kFormats) out.push_back(i.format);
  return out;
}

std::vector<ReportFormat> parse_report_formats(std::string_view list, std::string_view flag) {
  std::vector<ReportFormat> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string_view::npos) end = list.size();
    std::string item = trim(list.substr(start, end - start));
    start = end + 1;
    if (item == "markdown") item = "md";
    const auto it = std::find_if(std::begin(kFormats), std::end(kFormats),
                                 [&](const FormatInfo& i) { return i.name == item; });
    if (it == std::end(kFormats)) {
      throw ConfigError(fmt::format("{}: unknown report format '{}' (known: html, md, csv, json)", flag, item));
    }
    if (std::find(out.begin(), out.end(), it->format) == out.end()) out.push_back(it->format);
  }
  return out;
}

std::string render_report(const StudyData& study, ReportFormat f) {
  switch (f) {
    case ReportFormat::kHtml: return study_html(study);
    case ReportFormat::kMarkdown: return study_markdown(study);
    case ReportFormat::kCsv: return study_csv(study);
    case ReportFormat::kJson: return study_json(study);
  }
  throw Error("render_report: unknown format");
}

std::vector<std::filesystem::path> write_report(const StudyData& study, const std::filesystem::path& dir,
                                                const std::vector<ReportFormat>& formats) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    throw IoError(fmt::format("report folder {}: cannot create it{}", dir.string(), ec ? ": " + ec.message() : ""));
  }
  // Render everything first: a rendering error leaves the folder as it was.
  std::vector<std::string> texts;
  for (auto f : formats) texts.push_back(render_report(study, f));
  std::vector<std::filesystem::path> written;
  for (size_t i = 0; i < formats.size(); ++i) {
    const auto path = dir / file_name(formats[i]);
    io::write_text_atomic(path, texts[i]);
    written.push_back(path);
  }
  return written;
}

}  // namespace slimlm::report
