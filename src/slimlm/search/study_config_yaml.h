#pragma once
// Reading YAML with errors that point at the line and key path at fault
// ("FILE:LINE: key 'search.space.quantize.format': problem"): typed getters
// over a mapping that rejects unknown keys (with a "did you mean"), YAML
// scalars typed by the YAML 1.2 core schema (a quoted scalar is always a
// string), and YAML to JSON with the line of every key path remembered.
// Used by the study config parser (study_config.cpp).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace slimlm::search::yaml {

struct Source {
  std::string file;                 // for messages
  std::filesystem::path base_dir;   // relative paths resolve here
};

// 1-based line of a node; 0 when yaml-cpp has no position for it.
int line_of(const YAML::Node& node);

[[noreturn]] void fail(const Source& src, int line, std::string_view path, std::string_view problem);

// A scalar typed by the YAML 1.2 core schema: null, bool, integer, float,
// else string; quoted scalars are strings.
nlohmann::ordered_json scalar_json(const YAML::Node& node);

// JSON of a node (mappings keep their order). When `lines` is given, it
// receives the line of `path` and of every key path below it
// ("pipeline[0].quantize.format").
nlohmann::ordered_json to_json(const Source& src, const YAML::Node& node, const std::string& path,
                               std::map<std::string, int>* lines = nullptr);

// "${VAR}" expanded from the environment (an unset variable is an error),
// then a relative path resolved against src.base_dir.
std::filesystem::path resolve_path(const Source& src, const std::string& text, int line, std::string_view path);

// JSON type names for messages: "a number", "a list", ...
std::string describe(const nlohmann::ordered_json& j);

// A mapping under a key path: unknown keys, duplicate keys and a node that
// is not a mapping are errors at construction (a null node reads as empty).
class MapView {
 public:
  MapView(const Source& src, YAML::Node node, std::string path, std::span<const std::string_view> known,
          int parent_line = 0);

  bool has(std::string_view key) const;
  YAML::Node node(std::string_view key) const;  // a null node when absent
  std::string path(std::string_view key) const;  // "evaluation.speed.prefill"
  int line(std::string_view key) const;           // of the value, else of the key, else of the mapping
  int line() const { return line_; }
  const std::string& path() const { return path_; }
  const YAML::Node& node() const { return node_; }
  const Source& source() const { return src_; }

  [[noreturn]] void fail(std::string_view key, std::string_view problem) const;
  [[noreturn]] void fail_here(std::string_view problem) const;

  std::optional<std::string> string(std::string_view key) const;
  std::optional<bool> boolean(std::string_view key) const;
  std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max) const;
  std::optional<double> number(std::string_view key) const;
  std::optional<std::filesystem::path> file_path(std::string_view key) const;
  // A byte size: an integer or text such as "30MB" (parse_size).
  std::optional<uint64_t> size(std::string_view key) const;

 private:
  const Source& src_;
  YAML::Node node_;
  std::string path_;
  int line_;
  std::map<std::string, std::pair<int, int>> lines_;  // key -> (key line, value line)
};

}  // namespace slimlm::search::yaml
