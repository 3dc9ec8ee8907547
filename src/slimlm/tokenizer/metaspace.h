#pragma once
// Shared by the Metaspace pre-tokenizer and decoder: the replacement
// character and when it is prepended.
#include <string>

#include "slimlm/tokenizer/registry.h"

namespace slimlm::tokenizer {

enum class PrependScheme { kAlways, kFirst, kNever };

struct MetaspaceOptions {
  std::string replacement = "\xE2\x96\x81";  // U+2581
  PrependScheme prepend = PrependScheme::kAlways;
  bool split = true;
};

// Reads replacement, prepend_scheme (or the older add_prefix_space) and split.
MetaspaceOptions metaspace_options(const Json& j, const BuildContext& ctx, const char* where);

}  // namespace slimlm::tokenizer
