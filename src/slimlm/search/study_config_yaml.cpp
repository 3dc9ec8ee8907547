#include "slimlm/search/study_config_yaml.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <regex>

#include "slimlm/compress/pipeline_step.h"
#include "slimlm/core/error.h"
#include "slimlm/search/study_config.h"

namespace slimlm::search::yaml {
namespace {

using Json = nlohmann::ordered_json;

bool is_int_text(const std::string& s) {
  static const std::regex re("[-+]?[0-9]+");
  return std::regex_match(s, re);
}

bool is_float_text(const std::string& s) {
  static const std::regex re("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  return std::regex_match(s, re);
}

std::string join(std::span<const std::string_view> names) {
  std::string s;
  for (auto n : names) s += (s.empty() ? "" : ", ") + std::string(n);
  return s;
}

}  // namespace

int line_of(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  const int l = node.Mark().line;
  return l >= 0 ? l + 1 : 0;
}

void fail(const Source& src, int line, std::string_view path, std::string_view problem) {
  const std::string where = line > 0 ? fmt::format("{}:{}", src.file, line) : src.file;
  if (path.empty()) throw ConfigError(fmt::format("{}: {}", where, problem));
  throw ConfigError(fmt::format("{}: key '{}': {}", where, path, problem));
}

Json scalar_json(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return nullptr;
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return s;  // quoted: always a string
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (is_int_text(s)) {
    int64_t v = 0;
    const char* b = s.data() + (s[0] == '+' ? 1 : 0);
    const auto r = std::from_chars(b, s.data() + s.size(), v);
    if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return v;
  }
  if (is_float_text(s)) return std::strtod(s.c_str(), nullptr);
  return s;
}

Json to_json(const Source& src, const YAML::Node& node, const std::string& path, std::map<std::string, int>* lines) {
  if (lines) (*lines)[path] = line_of(node);
  switch (node.Type()) {
    case YAML::NodeType::Sequence: {
      Json j = Json::array();
      for (size_t i = 0; i < node.size(); ++i) {
        j.push_back(to_json(src, node[i], fmt::format("{}[{}]", path, i), lines));
      }
      return j;
    }
    case YAML::NodeType::Map: {
      Json j = Json::object();
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (!it->first.IsScalar()) fail(src, line_of(it->first), path, "a key must be a plain name");
        const std::string key = it->first.Scalar();
        const std::string sub = path.empty() ? key : path + "." + key;
        if (j.contains(key)) fail(src, line_of(it->first), sub, "appears twice");
        j[key] = to_json(src, it->second, sub, lines);
        if (lines && (*lines)[sub] == 0) (*lines)[sub] = line_of(it->first);
      }
      return j;
    }
    case YAML::NodeType::Scalar:
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return scalar_json(node);
  }
  return nullptr;
}

std::filesystem::path resolve_path(const Source& src, const std::string& text, int line, std::string_view path) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 2, "${") == 0) {
      const size_t end = text.find('}', i + 2);
      if (end == std::string::npos) fail(src, line, path, fmt::format("'{}': unclosed ${{", text));
      const std::string var = text.substr(i + 2, end - i - 2);
      const char* v = std::getenv(var.c_str());
      if (var.empty() || !v || !*v) {
        fail(src, line, path, fmt::format("'{}': environment variable {} is not set", text, var.empty() ? "(empty name)" : var));
      }
      out += v;
      i = end + 1;
    } else {
      out += text[i++];
    }
  }
  if (out.empty()) fail(src, line, path, "an empty path");
  std::filesystem::path p(out);
  if (p.is_relative()) p = src.base_dir / p;
  return p.lexically_normal();
}

std::string describe(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null: return "nothing";
    case Json::value_t::boolean: return fmt::format("the boolean {}", j.dump());
    case Json::value_t::string: return fmt::format("the text {}", j.dump());
    case Json::value_t::array: return "a list";
    case Json::value_t::object: return "a mapping";
    default: return fmt::format("the number {}", j.dump());
  }
}

MapView::MapView(const Source& src, YAML::Node node, std::string path, std::span<const std::string_view> known,
                 int parent_line)
    : src_(src), node_(std::move(node)), path_(std::move(path)), line_(line_of(node_) ? line_of(node_) : parent_line) {
  if (!node_.IsDefined() || node_.IsNull()) return;
  if (!node_.IsMap()) {
    yaml::fail(src_, line_, path_, fmt::format("expected a mapping of keys ({}), got {}", join(known),
                                               describe(to_json(src_, node_, path_))));
  }
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const int key_line = line_of(it->first);
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
    const std::string sub = path_.empty() ? key : path_ + "." + key;
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      const std::string c = compress::closest_name(key, known);
      yaml::fail(src_, key_line, sub,
                 fmt::format("unknown key{}; known keys here: {}", c.empty() ? "" : fmt::format(" (did you mean '{}'?)", c),
                             join(known)));
    }
    if (lines_.count(key)) yaml::fail(src_, key_line, sub, "appears twice");
    const int value_line = line_of(it->second);
    lines_[key] = {key_line, value_line};
  }
}

bool MapView::has(std::string_view key) const {
  const auto it = lines_.find(std::string(key));
  return it != lines_.end() && !node(key).IsNull();
}

YAML::Node MapView::node(std::string_view key) const {
  if (!node_.IsDefined() || !node_.IsMap()) return YAML::Node(YAML::NodeType::Null);
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  }
  return YAML::Node(YAML::NodeType::Null);
}

std::string MapView::path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

int MapView::line(std::string_view key) const {
  const auto it = lines_.find(std::string(key));
  if (it == lines_.end()) return line_;
  // A value on the key's own line or below; an empty value has no line of its own.
  return it->second.second > 0 ? it->second.second : (it->second.first > 0 ? it->second.first : line_);
}

void MapView::fail(std::string_view key, std::string_view problem) const {
  yaml::fail(src_, line(key), path(key), problem);
}

void MapView::fail_here(std::string_view problem) const { yaml::fail(src_, line_, path_, problem); }

std::optional<std::string> MapView::string(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  const Json j = to_json(src_, node(key), path(key));
  if (!j.is_string()) fail(key, fmt::format("expected text, got {}", describe(j)));
  return j.get<std::string>();
}

std::optional<bool> MapView::boolean(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  const Json j = to_json(src_, node(key), path(key));
  if (!j.is_boolean()) fail(key, fmt::format("expected true or false, got {}", describe(j)));
  return j.get<bool>();
}

std::optional<int64_t> MapView::integer(std::string_view key, int64_t min, int64_t max) const {
  if (!has(key)) return std::nullopt;
  const Json j = to_json(src_, node(key), path(key));
  if (!j.is_number_integer()) fail(key, fmt::format("expected an integer, got {}", describe(j)));
  const int64_t v = j.get<int64_t>();
  if (v < min || v > max) {
    fail(key, max == INT64_MAX ? fmt::format("{} is below the minimum {}", v, min)
                               : fmt::format("{} is outside [{}, {}]", v, min, max));
  }
  return v;
}

std::optional<double> MapView::number(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  const Json j = to_json(src_, node(key), path(key));
  if (!j.is_number()) fail(key, fmt::format("expected a number, got {}", describe(j)));
  return j.get<double>();
}

std::optional<std::filesystem::path> MapView::file_path(std::string_view key) const {
  const auto s = string(key);
  if (!s) return std::nullopt;
  return resolve_path(src_, *s, line(key), path(key));
}

std::optional<uint64_t> MapView::size(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  const Json j = to_json(src_, node(key), path(key));
  if (j.is_number_integer() && j.get<int64_t>() >= 0) return j.get<uint64_t>();
  if (j.is_string()) {
    if (const auto v = parse_size(j.get<std::string>())) return v;
  }
  fail(key, fmt::format("expected a size such as 30MB, 1.5GiB or a number of bytes, got {} (units: B, KB, MB, GB, "
                        "TB, KiB, MiB, GiB, TiB)",
                        describe(j)));
}

}  // namespace slimlm::search::yaml
