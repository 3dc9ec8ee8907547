#include "slimlm/eval/energy/rapl.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>

#include "slimlm/core/error.h"

namespace slimlm::eval {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_line(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return std::nullopt;
  std::string s;
  if (!std::getline(in, s)) return std::nullopt;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

std::optional<uint64_t> read_u64(const fs::path& p) {
  const auto s = read_line(p);
  if (!s || s->empty()) return std::nullopt;
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || end != s->data() + s->size()) return std::nullopt;
  return v;
}

// "intel-rapl:0" -> depth 1, "intel-rapl:0:2" -> depth 2, anything else 0.
int zone_depth(const std::string& dirname) {
  static const std::string kPrefix = "intel-rapl:";
  if (dirname.rfind(kPrefix, 0) != 0) return 0;
  const std::string rest = dirname.substr(kPrefix.size());
  if (rest.empty()) return 0;
  int depth = 1;
  for (char c : rest) {
    if (c == ':') {
      ++depth;
    } else if (!std::isdigit(static_cast<unsigned char>(c))) {
      return 0;
    }
  }
  return depth;
}

std::optional<RaplZone> probe(const fs::path& dir, bool want_dram) {
  const auto name = read_line(dir / "name");
  if (!name) return std::nullopt;
  const bool dram = *name == "dram";
  if (want_dram != dram) return std::nullopt;
  if (!want_dram && name->rfind("package", 0) != 0) return std::nullopt;
  if (!read_u64(dir / "energy_uj")) return std::nullopt;
  const auto range = read_u64(dir / "max_energy_range_uj");
  if (!range || *range == 0) return std::nullopt;
  return RaplZone{dir, *name, dram, *range};
}

}  // namespace

uint64_t rapl_counter_delta(uint64_t before, uint64_t after, uint64_t max_range_uj) {
  if (after >= before) return after - before;
  // The counter went past max_range_uj and restarted from 0.
  return (max_range_uj > before ? max_range_uj - before : 0) + after;
}

Rapl Rapl::discover(const fs::path& root) {
  Rapl r;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return r;
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(root, ec)) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  // The powercap class lists every zone flat (as symlinks); subzones also sit
  // inside their package's folder. Only the flat names are walked.
  for (const auto& d : dirs) {
    const int depth = zone_depth(d.filename().string());
    if (depth == 1) {
      if (auto z = probe(d, false)) r.zones_.push_back(std::move(*z));
    } else if (depth == 2) {
      if (auto z = probe(d, true)) r.zones_.push_back(std::move(*z));
    }
  }
  return r;
}

std::vector<uint64_t> Rapl::read() const {
  std::vector<uint64_t> v;
  v.reserve(zones_.size());
  for (const auto& z : zones_) {
    const auto e = read_u64(z.dir / "energy_uj");
    if (!e) throw IoError(fmt::format("{}: cannot read the RAPL energy counter", (z.dir / "energy_uj").string()));
    v.push_back(*e);
  }
  return v;
}

RaplJoules rapl_joules_between(const std::vector<RaplZone>& zones, const std::vector<uint64_t>& before,
                               const std::vector<uint64_t>& after) {
  if (before.size() != zones.size() || after.size() != zones.size()) {
    throw Error(fmt::format("RAPL: {} zones but readings of {} and {} counters", zones.size(), before.size(),
                            after.size()));
  }
  RaplJoules j;
  for (size_t i = 0; i < zones.size(); ++i) {
    const double joules = static_cast<double>(rapl_counter_delta(before[i], after[i], zones[i].max_range_uj)) * 1e-6;
    (zones[i].dram ? j.dram : j.package) += joules;
  }
  return j;
}

}  // namespace slimlm::eval
