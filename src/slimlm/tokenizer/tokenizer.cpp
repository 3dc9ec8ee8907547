#include "slimlm/tokenizer/tokenizer.h"

#include <algorithm>
#include <atomic>

#include "slimlm/core/error.h"
#include "slimlm/core/threads.h"
#include "slimlm/tokenizer/pipeline.h"
#include "slimlm/tokenizer/unicode.h"

namespace slimlm::tokenizer {

std::unique_ptr<Pipeline> build_legacy_bpe(const std::string& vocab_path, const std::string& merges_path,
                                           BpePreset preset);

namespace fs = std::filesystem;

namespace {

std::unique_ptr<Pipeline> parse_tokenizer_json(std::string_view text, const std::string& source) {
  Json root;
  try {
    root = Json::parse(text);
  } catch (const Json::exception& e) {
    throw FormatError(source + ": not valid JSON: " + e.what());
  }
  return build_pipeline(root, nullptr, source);
}

// tokenizer_config.json names BOS/EOS as a string or an AddedToken object.
std::optional<std::string> config_token(const Json& cfg, const char* key) {
  auto it = cfg.find(key);
  if (it == cfg.end()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) {
    if (auto c = it->find("content"); c != it->end() && c->is_string()) return c->get<std::string>();
  }
  return std::nullopt;
}

std::optional<int32_t> lookup(const Pipeline& p, std::string_view piece) {
  if (auto id = p.added.find_content(piece)) return id;
  return p.model->token_to_id(piece);
}

// BOS/EOS: tokenizer_config.json when it is there, else what the
// post-processor adds in front, and a well-known end-of-text name.
void resolve_bos_eos(Pipeline& p, const fs::path& dir) {
  const fs::path cfg_path = dir / "tokenizer_config.json";
  std::error_code ec;
  if (!dir.empty() && fs::is_regular_file(cfg_path, ec)) {
    Json cfg;
    try {
      cfg = Json::parse(read_text_file(cfg_path.string()));
    } catch (const Json::exception& e) {
      throw FormatError(cfg_path.string() + ": not valid JSON: " + e.what());
    }
    if (auto name = config_token(cfg, "bos_token")) p.bos_id = lookup(p, *name);
    if (auto name = config_token(cfg, "eos_token")) p.eos_id = lookup(p, *name);
  }
  if (!p.bos_id && p.post_processor) {
    std::vector<int32_t> ids;
    p.post_processor->process(ids, true);
    if (!ids.empty()) p.bos_id = ids.front();
  }
  if (!p.eos_id) {
    for (const char* name : {"</s>", "<|endoftext|>", "<|end_of_text|>", "<eos>", "<|im_end|>"}) {
      if (auto id = p.added.find_content(name)) {
        p.eos_id = id;
        break;
      }
    }
  }
}

}  // namespace

Tokenizer::Tokenizer(std::shared_ptr<const Pipeline> p) : p_(std::move(p)) {}
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::from_json(std::string_view json, const std::string& source) {
  auto p = parse_tokenizer_json(json, source);
  resolve_bos_eos(*p, fs::path());
  return Tokenizer(std::move(p));
}

Tokenizer Tokenizer::from_bpe_files(const fs::path& vocab, const fs::path& merges, BpePreset preset) {
  return Tokenizer(build_legacy_bpe(vocab.string(), merges.string(), preset));
}

Tokenizer Tokenizer::from_file(const fs::path& path, BpePreset legacy_preset) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    if (fs::is_regular_file(path / "tokenizer.json", ec)) return from_file(path / "tokenizer.json", legacy_preset);
    for (auto [v, m] : {std::pair{"vocab.json", "merges.txt"}, std::pair{"encoder.json", "vocab.bpe"}}) {
      if (fs::is_regular_file(path / v, ec) && fs::is_regular_file(path / m, ec)) {
        auto p = build_legacy_bpe((path / v).string(), (path / m).string(), legacy_preset);
        const auto bos = p->bos_id, eos = p->eos_id;
        resolve_bos_eos(*p, path);
        if (!p->bos_id) p->bos_id = bos;
        if (!p->eos_id) p->eos_id = eos;
        return Tokenizer(std::move(p));
      }
    }
    throw IoError(path.string() + ": no tokenizer.json, vocab.json + merges.txt or encoder.json + vocab.bpe in this folder");
  }
  if (!fs::exists(path, ec)) throw IoError(path.string() + ": no such file or folder");
  auto p = parse_tokenizer_json(read_text_file(path.string()), path.string());
  resolve_bos_eos(*p, path.has_parent_path() ? path.parent_path() : fs::path("."));
  return Tokenizer(std::move(p));
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  const Pipeline& p = *p_;
  std::string repaired;
  if (!is_valid_utf8(text)) {
    append_utf8_lossy(repaired, text);
    text = repaired;
  }
  thread_local PreTokenizedString pts;
  p.added.extract_and_normalize(text, p.normalizer.get(), pts);
  if (p.pre_tokenizer) p.pre_tokenizer->pre_tokenize(pts);
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  for (const auto& s : pts.splits()) {
    if (s.id >= 0) ids.push_back(s.id);
    else p.model->tokenize(pts.text(s), ids);
  }
  if (p.post_processor) p.post_processor->process(ids, add_special_tokens);
  return ids;
}

std::vector<std::vector<int32_t>> Tokenizer::encode_batch(const std::vector<std::string>& texts,
                                                          bool add_special_tokens) const {
  std::vector<std::vector<int32_t>> out(texts.size());
  // Texts differ in length, so each pool thread takes small chunks as it
  // goes rather than one fixed share. Pool threads persist, and with them
  // their per-thread word caches.
  constexpr size_t kChunk = 16;
  const auto workers =
      std::min<int64_t>(num_threads(), static_cast<int64_t>((texts.size() + kChunk - 1) / kChunk));
  std::atomic<size_t> next{0};
  parallel_for(0, std::max<int64_t>(workers, 1), 1, [&](int64_t, int64_t) {
    for (size_t b; (b = next.fetch_add(kChunk)) < texts.size();) {
      for (size_t i = b; i < std::min(b + kChunk, texts.size()); ++i) out[i] = encode(texts[i], add_special_tokens);
    }
  });
  return out;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special_tokens) const {
  const Pipeline& p = *p_;
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    const std::string* tok = nullptr;
    if (const AddedToken* a = p.added.find_id(id)) tok = &a->decoded;
    else tok = p.model->id_to_token(id);
    if (!tok) continue;
    if (skip_special_tokens && p.added.is_special_content(*tok)) continue;
    tokens.push_back(*tok);
  }
  if (p.decoder) {
    p.decoder->decode_chain(tokens);
    std::string out;
    for (const auto& t : tokens) out += t;
    return out;
  }
  std::string out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i) out.push_back(' ');
    out += tokens[i];
  }
  return out;
}

std::string Tokenizer::id_to_piece(int32_t id) const {
  if (const AddedToken* a = p_->added.find_id(id)) return a->content;
  if (const std::string* t = p_->model->id_to_token(id)) return *t;
  throw ConfigError("token id " + std::to_string(id) + " is not in the vocabulary of " + p_->source +
                    " (size " + std::to_string(vocab_size()) + ")");
}

std::optional<int32_t> Tokenizer::piece_to_id(std::string_view piece) const { return lookup(*p_, piece); }

bool Tokenizer::is_special(int32_t id) const {
  const AddedToken* a = p_->added.find_id(id);
  return a && a->special;
}

int32_t Tokenizer::vocab_size() const {
  int32_t n = p_->model->id_limit();
  for (const auto& t : p_->added.tokens()) n = std::max(n, t.id + 1);
  return n;
}

std::optional<int32_t> Tokenizer::bos_id() const { return p_->bos_id; }
std::optional<int32_t> Tokenizer::eos_id() const { return p_->eos_id; }

bool Tokenizer::adds_bos() const {
  if (!p_->post_processor) return false;
  std::vector<int32_t> ids;
  p_->post_processor->process(ids, true);
  if (ids.empty()) return false;
  return p_->bos_id ? ids.front() == *p_->bos_id : true;
}

const std::string& Tokenizer::source() const { return p_->source; }

}  // namespace slimlm::tokenizer
