#pragma once
// A model folder that appears complete or not at all: files are written into
// a hidden temporary folder beside the destination (same filesystem) and the
// folder is renamed into place on commit(). Without commit — an exception, a
// crash — the temporary folder is removed and nothing at the destination
// changes. An existing destination is only replaced when it is an empty
// folder; anything else is refused before any work starts.
#include <filesystem>

namespace slimlm::io {

// Throws ConfigError when `output` cannot receive a model made from `input`:
// it is the input folder, lies inside it, contains it, or exists and is not
// an empty folder. `flag` names the option for the message ("-o").
void check_output_folder(const std::filesystem::path& input, const std::filesystem::path& output,
                         std::string_view flag = "-o");

class AtomicDir {
 public:
  // Creates the temporary folder; throws IoError naming the destination.
  explicit AtomicDir(std::filesystem::path destination);
  ~AtomicDir();
  AtomicDir(const AtomicDir&) = delete;
  AtomicDir& operator=(const AtomicDir&) = delete;

  // Where to write the files.
  const std::filesystem::path& path() const { return temp_; }
  const std::filesystem::path& destination() const { return destination_; }

  // fsyncs the files and the folder, renames it over the destination (which
  // may only be missing or an empty folder) and fsyncs the parent. Throws
  // IoError, leaving the destination untouched.
  void commit();

 private:
  std::filesystem::path destination_;
  std::filesystem::path temp_;
  bool committed_ = false;
};

}  // namespace slimlm::io
