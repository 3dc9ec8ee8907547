#include "slimlm/eval/tasks/task_file.h"

#include <bzlib.h>
#include <fmt/format.h>

#include <fstream>
#include <limits>
#include <sstream>

#include "slimlm/core/error.h"

namespace slimlm::eval {
namespace {

// RAII for a bz_stream set up for decompression.
class Bz2Decoder {
 public:
  explicit Bz2Decoder(const std::string& source) : source_(source) {
    if (BZ2_bzDecompressInit(&s_, 0, 0) != BZ_OK) throw Error(fmt::format("{}: bzip2 init failed", source));
  }
  Bz2Decoder(const Bz2Decoder&) = delete;
  Bz2Decoder& operator=(const Bz2Decoder&) = delete;
  ~Bz2Decoder() { BZ2_bzDecompressEnd(&s_); }
  bz_stream* get() { return &s_; }

 private:
  bz_stream s_{};
  std::string source_;
};

}  // namespace

std::string bunzip2(const std::string& compressed, const std::string& source) {
  std::string out;
  size_t consumed = 0;
  char buf[1 << 16];
  // A .bz2 file may hold several streams back to back (pbzip2, cat a b).
  while (consumed < compressed.size()) {
    Bz2Decoder dec(source);
    bz_stream* s = dec.get();
    const size_t left = compressed.size() - consumed;
    if (left > std::numeric_limits<unsigned>::max()) throw FormatError(fmt::format("{}: bzip2 data too large", source));
    s->next_in = const_cast<char*>(compressed.data() + consumed);
    s->avail_in = static_cast<unsigned>(left);
    int rc = BZ_OK;
    while (rc != BZ_STREAM_END) {
      s->next_out = buf;
      s->avail_out = sizeof(buf);
      rc = BZ2_bzDecompress(s);
      if (rc != BZ_OK && rc != BZ_STREAM_END) {
        throw FormatError(fmt::format("{}: corrupt bzip2 data (error {} at compressed byte {})", source, rc,
                                      consumed + (left - s->avail_in)));
      }
      out.append(buf, sizeof(buf) - s->avail_out);
      if (rc == BZ_OK && s->avail_in == 0 && s->avail_out != 0) {
        throw FormatError(fmt::format("{}: truncated bzip2 data (the stream does not end)", source));
      }
    }
    consumed += left - s->avail_in;
  }
  return out;
}

std::string read_task_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open the task file", path.string()));
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) throw IoError(fmt::format("{}: read error", path.string()));
  std::string data = std::move(s).str();
  if (path.extension() == ".bz2") return bunzip2(data, path.string());
  return data;
}

}  // namespace slimlm::eval
