#pragma once
// Escaping for every place report text lands. Recipe strings, summaries and
// error messages come from configs and exceptions, so none of them may ever
// be read as markup: HTML text and attributes, a JSON blob inside <script>,
// CSV fields and Markdown table cells each have their own rule.
#include <string>
#include <string_view>

#include "slimlm/core/text_format.h"

namespace slimlm::report {

// & < > " ' as character references: safe in text and in quoted attributes.
std::string html_escape(std::string_view s);

// JSON text made safe inside <script type="application/json">: '<', '>' and
// '&' become \u003c \u003e \u0026 (they can only occur inside JSON strings,
// where the escapes mean the same characters), so "</script>" and "<!--"
// cannot end or confuse the script element; U+2028/2029 are escaped too.
std::string json_for_script(std::string_view json);

// RFC 4180 fields: core/text_format.h.
using slimlm::csv_field;

// A GitHub table cell: '|' and '\' escaped, line breaks as spaces, and '<' '>'
// '&' as entities so that a renderer never sees raw HTML.
std::string markdown_cell(std::string_view s);

}  // namespace slimlm::report
