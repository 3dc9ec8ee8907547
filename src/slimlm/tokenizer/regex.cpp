#define PCRE2_CODE_UNIT_WIDTH 8
#include "slimlm/tokenizer/regex.h"

#include <pcre2.h>

#include "slimlm/core/error.h"

namespace slimlm::tokenizer {

struct Regex::Code {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Code() { pcre2_code_free(code); }
};

namespace {

struct MatchDataDeleter {
  void operator()(pcre2_match_data* m) const { pcre2_match_data_free(m); }
};

// One match-data block per thread, big enough for any pattern here (ovector
// pairs beyond the capture count are simply unused); avoids a malloc per call.
pcre2_match_data* thread_match_data(const pcre2_code* code) {
  thread_local std::unique_ptr<pcre2_match_data, MatchDataDeleter> data;
  thread_local uint32_t pairs = 0;
  uint32_t need = 0;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &need);
  need += 1;
  if (!data || pairs < need) {
    pairs = std::max<uint32_t>(need, 32);
    data.reset(pcre2_match_data_create(pairs, nullptr));
  }
  return data.get();
}

}  // namespace

Regex::Regex(std::string_view pattern, std::string_view what) : pattern_(pattern) {
  int err = 0;
  PCRE2_SIZE err_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP, &err, &err_offset, nullptr);
  if (!code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    throw FormatError(std::string(what) + ": regex '" + pattern_ + "' does not compile at offset " +
                      std::to_string(err_offset) + ": " + reinterpret_cast<const char*>(msg));
  }
  auto c = std::make_shared<Code>();
  c->code = code;
  c->jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  code_ = std::move(c);
}

Regex Regex::literal(std::string_view text, std::string_view what) {
  return Regex(regex_escape(text), what);
}

bool Regex::find(std::string_view subject, size_t offset, Match& m) const {
  pcre2_match_data* md = thread_match_data(code_->code);
  const auto* s = reinterpret_cast<PCRE2_SPTR>(subject.data());
  const int rc = code_->jit
                     ? pcre2_jit_match(code_->code, s, subject.size(), offset, 0, md, nullptr)
                     : pcre2_match(code_->code, s, subject.size(), offset, PCRE2_NO_UTF_CHECK, md,
                                   nullptr);
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(rc, msg, sizeof msg);
    throw FormatError("regex '" + pattern_ + "' failed while matching: " +
                      reinterpret_cast<const char*>(msg));
  }
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
  m.begin = ov[0];
  m.end = ov[1];
  return true;
}

std::vector<Match> Regex::find_all(std::string_view subject) const {
  std::vector<Match> out;
  for_each_match(subject, [&](const Match& m) { out.push_back(m); });
  return out;
}

std::string regex_escape(std::string_view text) {
  // \Q..\E quotes everything except a literal "\E", which is split out.
  std::string out = "\\Q";
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 'E') {
      out += "\\E\\\\\\Q";
      continue;
    }
    out.push_back(text[i]);
  }
  out += "\\E";
  return out;
}

}  // namespace slimlm::tokenizer
