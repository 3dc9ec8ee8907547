#pragma once
// What the report knows about metric names: which way is better when the
// study does not say, which family a metric belongs to (size, quality,
// speed, energy), which ones deserve a column, and how to print a value.
// The names are the flat rows eval/suite writes ("model/file_bytes",
// "kld/mean", "hellaswag/acc_norm", "speed/tg128", "energy/joules_per_token").
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "slimlm/report/study_data.h"
#include "slimlm/search/objective.h"

namespace slimlm::report {

enum class MetricFamily : uint8_t { kSize, kQuality, kSpeed, kMemory, kEnergy, kOther };

MetricFamily metric_family(std::string_view metric);

// The direction a metric improves in, from its name alone (bytes, KLD,
// perplexity, energy down; accuracy, speed, same-top-1 up); nullopt if unknown.
std::optional<search::Direction> known_direction(std::string_view metric);

// The study's direction for an objective metric, else known_direction, else minimise.
search::Direction direction_of(const StudyData& study, std::string_view metric);

// The columns of frontier and trial tables: the objectives, then, when some
// trial has them, the model size, KLD, perplexity, task headlines, prefill and
// decode speed, peak memory and energy per token. No duplicates.
std::vector<std::string> key_metrics(const StudyData& study);

// Every metric name some trial or reference run has, sorted.
std::vector<std::string> all_metric_names(const StudyData& study);

// The unit recorded for a metric (first trial or reference run that has it).
std::string metric_unit(const StudyData& study, std::string_view metric);

// Canonical size / quality / decode-speed metrics for the derived plots:
// the first present of a preference list, or "" when no trial has one.
std::string size_metric(const StudyData& study);
std::string quality_metric(const StudyData& study);
std::string decode_speed_metric(const StudyData& study);

// For people: sizes in KiB/MiB/GiB, fractions in percent, "± stderr" when known.
std::string format_value(double value, std::string_view unit, std::optional<double> std_error = std::nullopt);
inline std::string format_value(const MetricValue& m) { return format_value(m.value, m.unit, m.std_error); }

}  // namespace slimlm::report
