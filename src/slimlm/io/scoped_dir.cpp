#include "slimlm/io/scoped_dir.h"

#include <fmt/format.h>
#include <stdlib.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "slimlm/core/error.h"

namespace slimlm::io {

namespace fs = std::filesystem;

ScopedDir::ScopedDir(fs::path path) : path_(std::move(path)) {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

ScopedDir::ScopedDir(const fs::path& beside, std::string_view tag) {
  std::string pattern = (beside.parent_path() / fmt::format(".{}.{}.XXXXXX", beside.filename().string(), tag)).string();
  if (!::mkdtemp(pattern.data())) {
    throw IoError(fmt::format("cannot create a temporary folder beside {}: {}", beside.string(),
                              std::generic_category().message(errno)));
  }
  path_ = pattern;
}

ScopedDir::~ScopedDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace slimlm::io
