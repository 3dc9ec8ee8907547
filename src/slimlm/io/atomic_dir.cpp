#include "slimlm/io/atomic_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "slimlm/core/error.h"

namespace slimlm::io {
namespace fs = std::filesystem;
namespace {

fs::path absolute_clean(const fs::path& p) {
  std::error_code ec;
  fs::path a = fs::weakly_canonical(fs::absolute(p), ec);
  return ec ? fs::absolute(p).lexically_normal() : a;
}

bool is_within(const fs::path& inner, const fs::path& outer) {
  auto i = inner.begin();
  for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
    if (o->empty()) continue;  // trailing slash
    if (i == inner.end() || *i != *o) return false;
  }
  return true;
}

void fsync_path(const fs::path& p, bool directory) {
  const int fd = ::open(p.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void check_output_folder(const fs::path& input, const fs::path& output, std::string_view flag) {
  const fs::path in = absolute_clean(input), out = absolute_clean(output);
  if (out == in) {
    throw ConfigError(fmt::format("{} {}: the output folder is the input folder; choose another "
                                  "folder (the input is never overwritten)",
                                  flag, output.string()));
  }
  if (is_within(out, in)) {
    throw ConfigError(fmt::format("{} {}: the output folder lies inside the input folder {}; "
                                  "choose a folder outside it",
                                  flag, output.string(), input.string()));
  }
  if (is_within(in, out)) {
    throw ConfigError(fmt::format("{} {}: the output folder contains the input folder {}", flag,
                                  output.string(), input.string()));
  }
  std::error_code ec;
  const auto st = fs::status(out, ec);
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) {
      throw ConfigError(fmt::format("{} {}: exists and is not a folder", flag, output.string()));
    }
    if (!fs::is_empty(out, ec)) {
      throw ConfigError(fmt::format("{} {}: the folder exists and is not empty; remove it or "
                                    "choose another (nothing is overwritten)",
                                    flag, output.string()));
    }
  }
}

AtomicDir::AtomicDir(fs::path destination) : destination_(absolute_clean(destination)) {
  const fs::path parent = destination_.parent_path();
  std::error_code ec;
  if (!fs::is_directory(parent, ec)) {
    throw IoError(fmt::format("cannot create {}: folder {} does not exist", destination_.string(),
                              parent.string()));
  }
  std::string hidden = ".";  // a dot keeps the half-written folder out of listings
  hidden += destination_.filename().string();
  hidden += ".tmp.XXXXXX";
  std::string tmpl = (parent / hidden).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    throw IoError(fmt::format("cannot create a temporary folder for {} in {}: {}",
                              destination_.string(), parent.string(), std::strerror(errno)));
  }
  temp_ = buf.data();
  // mkdtemp creates 0700; a model folder should get the usual umask-governed mode.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  fs::permissions(temp_, static_cast<fs::perms>(0777 & ~mask), ec);
}

AtomicDir::~AtomicDir() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(temp_, ec);
}

void AtomicDir::commit() {
  for (const auto& e : fs::directory_iterator(temp_)) {
    if (e.is_regular_file()) fsync_path(e.path(), false);
  }
  fsync_path(temp_, true);
  std::error_code ec;
  if (fs::exists(destination_, ec) && !fs::is_empty(destination_, ec)) {
    throw IoError(fmt::format("{} appeared while writing and is not empty; the result stays "
                              "unwritten",
                              destination_.string()));
  }
  // rename(2) replaces an empty folder atomically.
  if (::rename(temp_.c_str(), destination_.c_str()) != 0) {
    throw IoError(fmt::format("cannot move {} into place as {}: {}", temp_.string(),
                              destination_.string(), std::strerror(errno)));
  }
  committed_ = true;
  fsync_path(destination_.parent_path(), true);
}

}  // namespace slimlm::io
