#include "slimlm/eval/energy/carbon_intensity.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "slimlm/core/error.h"

namespace slimlm::eval {
namespace {

std::string upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

}  // namespace

std::optional<CountryIntensity> find_country(std::string_view iso) {
  std::string code = upper(iso);
  if (code == "UK") code = "GB";  // common, though not the ISO code
  for (const auto& c : carbon_intensity_table()) {
    if (c.iso2 == code || c.iso3 == code) return c;
  }
  return std::nullopt;
}

CarbonIntensity resolve_carbon_intensity(std::optional<double> g_per_kwh, std::string_view country) {
  if (g_per_kwh) {
    if (!(*g_per_kwh >= 0) || !std::isfinite(*g_per_kwh)) {
      throw ConfigError(fmt::format("--carbon-intensity must be a non-negative number of g CO2/kWh (got {})",
                                    *g_per_kwh));
    }
    return {*g_per_kwh, "user", "--carbon-intensity"};
  }
  if (!country.empty()) {
    const auto c = find_country(country);
    if (!c) {
      throw ConfigError(fmt::format("--country: no carbon intensity for '{}' (ISO 3166 alpha-2 or alpha-3 "
                                    "code of one of {} countries; or give --carbon-intensity G_PER_KWH)",
                                    country, carbon_intensity_table().size()));
    }
    return {c->g_per_kwh, std::string(c->iso2), fmt::format("{} ({})", kCarbonTableSource, c->name)};
  }
  return {kWorldAverageGPerKwh, "world", std::string(kWorldAverageSource)};
}

Emissions emissions(double joules, const CarbonIntensity& intensity) {
  Emissions e;
  e.kwh = joules / 3.6e6;
  e.grams = e.kwh * intensity.g_per_kwh;
  return e;
}

double joules_per_token(double joules, uint64_t tokens) {
  return tokens ? joules / static_cast<double>(tokens) : 0.0;
}

double grams_per_million_tokens(double grams, uint64_t tokens) {
  return tokens ? grams * 1e6 / static_cast<double>(tokens) : 0.0;
}

}  // namespace slimlm::eval
