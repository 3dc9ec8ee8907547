#pragma once
// The slimlm error hierarchy. Messages name the file, tensor or flag at fault.
// Exceptions are caught in exactly two places: main() and the search runner.
#include <stdexcept>
#include <string>

namespace slimlm {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A file could not be opened, read, mapped or written.
class IoError : public Error {
 public:
  using Error::Error;
};

// A file exists but its contents are malformed or lie about themselves.
class FormatError : public Error {
 public:
  using Error::Error;
};

// Valid input that slimlm does not (yet) handle: an architecture, a tokenizer model.
class UnsupportedError : public Error {
 public:
  using Error::Error;
};

// A configuration, recipe or command-line value that makes no sense.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A compute device (CPU feature, GPU) is missing or failed.
class DeviceError : public Error {
 public:
  using Error::Error;
};

}  // namespace slimlm
