#pragma once
// Grams of CO2 per kWh of electricity, to turn measured energy into
// emissions: a value given by the user (--carbon-intensity), or a country's
// average from the built-in table (--country, ISO 3166 alpha-2 or alpha-3),
// or the world average. See carbon_table.cpp for the data and its source.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace slimlm::eval {

struct CountryIntensity {
  std::string_view iso2;
  std::string_view iso3;
  std::string_view name;
  double g_per_kwh;
};

// Every country in the table, sorted by iso2.
std::span<const CountryIntensity> carbon_intensity_table();
// Case-insensitive alpha-2 or alpha-3 code ("fr", "FRA"; "UK" for GB).
std::optional<CountryIntensity> find_country(std::string_view iso);

// What the table says about itself, printed with results.
extern const std::string_view kCarbonTableSource;  // countries
extern const std::string_view kWorldAverageSource;
extern const double kWorldAverageGPerKwh;

struct CarbonIntensity {
  double g_per_kwh = 0.0;
  std::string region;  // "FR", "user", "world"
  std::string source;  // where the number comes from
};

// --carbon-intensity wins over --country; neither: the world average.
// ConfigError for an unknown country code (naming --country) or a negative
// intensity.
CarbonIntensity resolve_carbon_intensity(std::optional<double> g_per_kwh, std::string_view country);

struct Emissions {
  double kwh = 0.0;
  double grams = 0.0;
};
Emissions emissions(double joules, const CarbonIntensity& intensity);

// Per-token figures reported by eval and compare; 0 when tokens is 0.
double joules_per_token(double joules, uint64_t tokens);
double grams_per_million_tokens(double grams, uint64_t tokens);

}  // namespace slimlm::eval
