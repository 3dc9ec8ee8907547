#include "slimlm/eval/tasks/csv_reader.h"

#include <fmt/format.h>

#include "slimlm/core/error.h"

namespace slimlm::eval {

std::vector<CsvRecord> parse_csv(std::string_view text, const std::string& source) {
  std::vector<CsvRecord> records;
  int64_t line = 1;
  size_t i = 0;
  const size_t n = text.size();
  if (n >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // UTF-8 byte-order mark
  while (i < n) {
    // A blank line (between records or at the end) is no record.
    if (text[i] == '\n' || (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n')) {
      i += text[i] == '\r' ? 2 : 1;
      ++line;
      continue;
    }
    CsvRecord rec;
    rec.line = line;
    bool end_of_record = false;
    while (!end_of_record) {
      std::string field;
      if (i < n && text[i] == '"') {
        const int64_t quote_line = line;
        ++i;
        while (true) {
          if (i >= n) {
            throw FormatError(fmt::format("{}:{}: quoted field never closed (opened on line {})", source, line,
                                          quote_line));
          }
          const char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (c == '\n') ++line;
          field += c;
          ++i;
        }
        if (i < n && text[i] != ',' && text[i] != '\n' && !(text[i] == '\r' && i + 1 < n && text[i + 1] == '\n')) {
          throw FormatError(fmt::format("{}:{}: unexpected character '{}' after a closing quote (expected a comma "
                                        "or the end of the line)",
                                        source, line, text[i]));
        }
      } else {
        while (i < n && text[i] != ',' && text[i] != '\n' && !(text[i] == '\r' && i + 1 < n && text[i + 1] == '\n')) {
          if (text[i] == '"') {
            throw FormatError(fmt::format("{}:{}: a quote inside an unquoted field (quote the whole field and "
                                          "double the quote)",
                                          source, line));
          }
          field += text[i];
          ++i;
        }
      }
      rec.fields.push_back(std::move(field));
      if (i >= n) {
        end_of_record = true;
      } else if (text[i] == ',') {
        ++i;
      } else {
        i += text[i] == '\r' ? 2 : 1;
        ++line;
        end_of_record = true;
      }
    }
    records.push_back(std::move(rec));
  }
  return records;
}

}  // namespace slimlm::eval
