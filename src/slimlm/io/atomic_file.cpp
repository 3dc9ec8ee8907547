#include "slimlm/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "slimlm/core/error.h"

namespace slimlm::io {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

AtomicFile::AtomicFile(std::filesystem::path destination) : destination_(std::move(destination)) {
  if (destination_.filename().empty()) {
    throw IoError("cannot write " + destination_.string() + ": not a file name");
  }
  std::filesystem::path dir = destination_.parent_path();
  if (dir.empty()) dir = ".";
  // A dot-prefixed name keeps half-written files out of globs like *.safetensors.
  std::string hidden = ".";
  hidden += destination_.filename().string();
  hidden += ".tmp.XXXXXX";
  std::string tmpl = (dir / hidden).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  fd_ = ::mkostemp(buf.data(), O_CLOEXEC);
  if (fd_ < 0) {
    throw IoError("cannot create a temporary file for " + destination_.string() + " in " +
                  dir.string() + ": " + errno_text(errno));
  }
  temp_ = buf.data();
  // mkostemp creates 0600; outputs should get the usual umask-governed mode.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd_, 0666 & ~mask);
}

AtomicFile::~AtomicFile() {
  if (!committed_) discard();
}

void AtomicFile::discard() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_.empty()) {
    ::unlink(temp_.c_str());
    temp_.clear();
  }
}

void AtomicFile::write(const void* data, size_t n) {
  if (fd_ < 0) throw IoError("write to " + destination_.string() + " after commit");
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t k = ::write(fd_, p, n);
    if (k < 0) {
      if (errno == EINTR) continue;
      throw IoError("cannot write " + destination_.string() + ": " + errno_text(errno));
    }
    p += k;
    n -= static_cast<size_t>(k);
    written_ += static_cast<size_t>(k);
  }
}

void AtomicFile::commit() {
  if (fd_ < 0) throw IoError("commit of " + destination_.string() + " twice");
  if (::fsync(fd_) != 0) {
    throw IoError("cannot sync " + destination_.string() + ": " + errno_text(errno));
  }
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    throw IoError("cannot close " + destination_.string() + ": " + errno_text(errno));
  }
  if (::rename(temp_.c_str(), destination_.c_str()) != 0) {
    throw IoError("cannot rename " + temp_.string() + " to " + destination_.string() + ": " +
                  errno_text(errno));
  }
  temp_.clear();
  committed_ = true;
  // The rename is durable only once the folder's entry is on disk too.
  std::filesystem::path dir = destination_.parent_path();
  if (dir.empty()) dir = ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void write_text_atomic(const std::filesystem::path& path, std::string_view contents) {
  AtomicFile f(path);
  f.write(contents);
  f.commit();
}

}  // namespace slimlm::io
