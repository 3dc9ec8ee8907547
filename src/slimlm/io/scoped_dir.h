#pragma once
// A scratch folder removed, with everything in it, when it goes out of scope
// — on success and on every exception path. For intermediate models and
// per-variant scratch copies; outputs that must appear whole use AtomicDir.
#include <filesystem>
#include <string_view>

namespace slimlm::io {

class ScopedDir {
 public:
  // Owns `path`: removes whatever is there now and again on scope exit; the
  // caller creates it (or lets a writer create it).
  explicit ScopedDir(std::filesystem::path path);
  // Creates a fresh, uniquely named hidden folder beside `beside` (same
  // filesystem, so renames out of it stay cheap):
  // "<parent>/.<name>.<tag>.XXXXXX". Throws IoError naming `beside`.
  ScopedDir(const std::filesystem::path& beside, std::string_view tag);
  ~ScopedDir();
  ScopedDir(const ScopedDir&) = delete;
  ScopedDir& operator=(const ScopedDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace slimlm::io
