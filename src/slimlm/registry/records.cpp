#include "slimlm/registry/records.h"

#include <array>
#include <utility>

namespace slimlm::registry {
namespace {

// The strings are what the database stores: never change one.
constexpr std::array<std::pair<RunStatus, std::string_view>, 4> kRunStatusNames = {{
    {RunStatus::kRunning, "running"},
    {RunStatus::kCompleted, "completed"},
    {RunStatus::kFailed, "failed"},
    {RunStatus::kKilled, "killed"},
}};

constexpr std::array<std::pair<TrialState, std::string_view>, 5> kTrialStateNames = {{
    {TrialState::kPending, "pending"},
    {TrialState::kRunning, "running"},
    {TrialState::kComplete, "complete"},
    {TrialState::kFailed, "failed"},
    {TrialState::kSkipped, "skipped"},
}};

template <typename E, size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
  for (const auto& [value, name] : table) {
    if (value == e) return name;
  }
  return "unknown";
}

template <typename E, size_t N>
std::optional<E> value_of(const std::array<std::pair<E, std::string_view>, N>& table,
                          std::string_view s) {
  for (const auto& [value, name] : table) {
    if (name == s) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(RunStatus status) { return name_of(kRunStatusNames, status); }
std::optional<RunStatus> run_status_from_string(std::string_view s) {
  return value_of(kRunStatusNames, s);
}
std::string_view to_string(TrialState state) { return name_of(kTrialStateNames, state); }
std::optional<TrialState> trial_state_from_string(std::string_view s) {
  return value_of(kTrialStateNames, s);
}

const MetricRecord* RunRecord::metric(std::string_view name) const {
  for (const auto& m : metrics) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

}  // namespace slimlm::registry
