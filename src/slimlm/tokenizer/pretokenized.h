#pragma once
// The text of one encode call as it moves through the pipeline: a list of
// splits over one byte buffer. A split either still needs the model (id < 0)
// or is final (an added token matched before pre-tokenization). Each stage
// rewrites the unmatched splits into a second buffer, so a stage costs one
// linear pass and no allocation per piece (HF tokenizers keeps a
// NormalizedString with alignments per split instead; only the "starts at
// the original offset 0" bit of those alignments changes any token id).
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slimlm::tokenizer {

class PreTokenizedString {
 public:
  struct Split {
    uint32_t begin;
    uint32_t end;
    int32_t id;      // >= 0: a final token id
    bool at_origin;  // starts at offset 0 of the original text
  };

  // Receives the pieces one split is cut into.
  class Sink {
   public:
    // Appends a piece; empty pieces are dropped, as HF drops them.
    void add(std::string_view text, bool at_origin, int32_t id = -1) {
      if (text.empty()) return;
      const auto begin = static_cast<uint32_t>(buf_.size());
      buf_.append(text);
      splits_.push_back({begin, static_cast<uint32_t>(buf_.size()), id, at_origin});
    }

    // Appends a piece that write(std::string& buf) appends to buf, without a
    // temporary string.
    template <class Write>
    void add_with(Write&& write, bool at_origin) {
      const auto begin = static_cast<uint32_t>(buf_.size());
      write(buf_);
      if (buf_.size() == begin) return;
      splits_.push_back({begin, static_cast<uint32_t>(buf_.size()), -1, at_origin});
    }

   private:
    friend class PreTokenizedString;
    Sink(std::string& buf, std::vector<Split>& splits) : buf_(buf), splits_(splits) {}
    std::string& buf_;
    std::vector<Split>& splits_;
  };

  PreTokenizedString() = default;
  explicit PreTokenizedString(std::string_view text) { reset(text); }
  PreTokenizedString(const PreTokenizedString&) = delete;
  PreTokenizedString& operator=(const PreTokenizedString&) = delete;

  void reset(std::string_view text) {
    buf_.assign(text);
    splits_.clear();
    if (!text.empty()) splits_.push_back({0, static_cast<uint32_t>(text.size()), -1, true});
  }

  const std::vector<Split>& splits() const { return splits_; }
  std::string_view text(const Split& s) const {
    return std::string_view(buf_).substr(s.begin, s.end - s.begin);
  }

  // fn(std::string_view piece, bool at_origin, Sink& out) for every split
  // without an id; final splits pass through unchanged.
  template <class Fn>
  void split(Fn&& fn) {
    next_buf_.clear();
    next_splits_.clear();
    next_buf_.reserve(buf_.size() + buf_.size() / 2 + 16);
    Sink sink(next_buf_, next_splits_);
    for (const Split& s : splits_) {
      if (s.id >= 0) {
        sink.add(text(s), s.at_origin, s.id);
      } else {
        fn(text(s), s.at_origin, sink);
      }
    }
    std::swap(buf_, next_buf_);
    std::swap(splits_, next_splits_);
  }

 private:
  std::string buf_;
  std::vector<Split> splits_;
  std::string next_buf_;
  std::vector<Split> next_splits_;
};

}  // namespace slimlm::tokenizer
