#pragma once
// RFC 4180 CSV: fields separated by commas, records by CRLF or LF; a field in
// double quotes may hold commas, line breaks and doubled quotes (""). MMLU's
// questions need all three.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace slimlm::eval {

struct CsvRecord {
  int64_t line = 0;  // 1-based line where the record starts
  std::vector<std::string> fields;
};

// Throws FormatError naming `source` and the line for an unterminated quoted
// field, a quote inside an unquoted field, or text after a closing quote.
// A final line break is optional; blank lines are skipped.
std::vector<CsvRecord> parse_csv(std::string_view text, const std::string& source);

}  // namespace slimlm::eval
