#include "slimlm/io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "slimlm/core/error.h"

namespace slimlm::io {
namespace {

// Closes the descriptor on every path out of open(); the mapping outlives it.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

[[noreturn]] void fail(const std::filesystem::path& path, const char* what, int err) {
  throw IoError("cannot " + std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

}  // namespace

std::shared_ptr<const MappedFile> MappedFile::open(const std::filesystem::path& path) {
  Fd f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd < 0) fail(path, "open", errno);

  struct stat st {};
  if (::fstat(f.fd, &st) != 0) fail(path, "stat", errno);
  if (S_ISDIR(st.st_mode)) throw IoError("cannot map " + path.string() + ": it is a directory");
  if (!S_ISREG(st.st_mode)) throw IoError("cannot map " + path.string() + ": not a regular file");

  auto m = std::make_shared<MappedFile>(Key{});
  m->path_ = path;
  m->size_ = static_cast<size_t>(st.st_size);
  if (m->size_ > 0) {
    void* p = ::mmap(nullptr, m->size_, PROT_READ, MAP_PRIVATE, f.fd, 0);
    if (p == MAP_FAILED) fail(path, "map", errno);
    m->data_ = static_cast<const uint8_t*>(p);
  }
  return m;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

}  // namespace slimlm::io
