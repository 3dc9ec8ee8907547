#pragma once
// The bundled study configs (configs/*.yaml), embedded in the binary at
// build time (example_configs.cmake) so that `slimlm init-config` works
// wherever the binary is.
#include <span>
#include <string_view>

namespace slimlm::cli {

struct ExampleConfig {
  std::string_view kind;  // "default", "baseline", "search"
  std::string_view text;  // the YAML, comments included
};

std::span<const ExampleConfig> example_configs();

// The folder the examples' relative paths are relative to (the source
// tree's configs/), so that init-config can rewrite them for where the copy
// goes.
extern const std::string_view kExampleConfigDir;

}  // namespace slimlm::cli
