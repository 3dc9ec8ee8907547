#pragma once
// Small study configs on the tiny-llama fixture for the runner, sensitivity
// and proxy tests: short windows, no speed measurement (timings would make
// the runs differ), a few layers' worth of search.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "slimlm/search/study_config.h"
#include "test_util.h"

namespace slimlm::search::test {

inline std::filesystem::path source_dir() { return SLIMLM_SOURCE_DIR; }
inline std::filesystem::path fixture_model() { return source_dir() / "models" / "tiny-llama"; }
inline std::filesystem::path fixture_text() { return source_dir() / "tests" / "data" / "war-and-peace-heldout.txt"; }

// The parts of a study config every test shares; `search` is the YAML of the
// search section (and anything after it), indented as top-level keys.
inline std::string study_yaml(const std::string& name, const std::filesystem::path& output, const std::string& rest,
                              int windows = 3) {
  return "version: 1\n"
         "name: " + name + "\n"
         "model: " + fixture_model().string() + "\n"
         "output: " + output.string() + "\n"
         "calibration: {text: " + fixture_text().string() + ", samples: 8, seq_len: 64}\n"
         "evaluation:\n"
         "  text: " + fixture_text().string() + "\n"
         "  ctx: 128\n"
         "  windows: " + std::to_string(windows) + "\n"
         "  speed: false\n"
         "objectives:\n"
         "  - {metric: kld/mean, direction: minimize}\n"
         "  - {metric: model/bytes, direction: minimize}\n" +
         rest;
}

// Writes the config into dir/study.yaml and loads it.
inline StudyConfig write_config(const std::filesystem::path& dir, const std::string& yaml) {
  std::filesystem::create_directories(dir);
  const auto file = dir / "study.yaml";
  slimlm::testing::write_file(file, yaml);
  return load_study_config(file);
}

}  // namespace slimlm::search::test
