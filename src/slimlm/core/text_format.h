#pragma once
// Small text formats shared by every table slimlm prints or writes.
#include <string>
#include <string_view>

namespace slimlm {

// 52972648 -> "50.52 MiB", 1536 -> "1.5 KiB", 12 -> "12 B" (binary units,
// negative values keep their sign).
std::string human_bytes(double bytes);

// One CSV field (RFC 4180): quoted, with quotes doubled, when it holds a
// comma, a quote or a line break; as is otherwise.
std::string csv_field(std::string_view s);

}  // namespace slimlm
