#pragma once
// Error messages are one line (main prints them after "error: "), yet they
// quote names and parser excerpts taken from untrusted files.
#include <string>
#include <string_view>

namespace slimlm::io {

// `name` in single quotes with control bytes, quotes and backslashes escaped
// and very long names shortened.
std::string quote_name(std::string_view name);

// `s` with every byte outside printable ASCII replaced by '?'.
std::string printable(std::string_view s);

}  // namespace slimlm::io
