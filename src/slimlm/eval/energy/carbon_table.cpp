// Carbon intensity of electricity generation by country, g CO2e per kWh, year
// 2021. Source: Our World in Data energy dataset, column
// carbon_intensity_elec, computed by OWID from Ember (Yearly Electricity
// Data; Global Electricity Review 2022) and the Energy Institute Statistical
// Review of World Energy; values as compiled in CodeCarbon's
// global_energy_mix.json (mlco2/codecarbon, codecarbon/data/private_infra),
// rounded to 0.1 g. Generation averages: imports, time of day and
// transmission losses are not reflected. The world figure is newer: Ember,
// Global Electricity Review 2024, world average for 2023 (481 g/kWh).
#include <array>

#include "slimlm/eval/energy/carbon_intensity.h"

namespace slimlm::eval {

const std::string_view kCarbonTableSource =
    "Our World in Data (Ember, Energy Institute), carbon intensity of electricity generation, 2021";
const std::string_view kWorldAverageSource = "Ember Global Electricity Review 2024, world average 2023";
const double kWorldAverageGPerKwh = 481.0;

namespace {

constexpr std::array kTable = {
    CountryIntensity{"AE", "ARE", "United Arab Emirates", 461.8},
    CountryIntensity{"AR", "ARG", "Argentina", 357.8},
    CountryIntensity{"AT", "AUT", "Austria", 147.6},
    CountryIntensity{"AU", "AUS", "Australia", 531.2},
    CountryIntensity{"BD", "BGD", "Bangladesh", 555.9},
    CountryIntensity{"BE", "BEL", "Belgium", 156.9},
    CountryIntensity{"BG", "BGR", "Bulgaria", 354.3},
    CountryIntensity{"BR", "BRA", "Brazil", 158.6},
    CountryIntensity{"CA", "CAN", "Canada", 128.5},
    CountryIntensity{"CH", "CHE", "Switzerland", 47.1},
    CountryIntensity{"CL", "CHL", "Chile", 416.9},
    CountryIntensity{"CN", "CHN", "China", 544.4},
    CountryIntensity{"CO", "COL", "Colombia", 181.1},
    CountryIntensity{"CR", "CRI", "Costa Rica", 33.0},
    CountryIntensity{"CZ", "CZE", "Czechia", 405.6},
    CountryIntensity{"DE", "DEU", "Germany", 365.5},
    CountryIntensity{"DK", "DNK", "Denmark", 221.4},
    CountryIntensity{"EC", "ECU", "Ecuador", 155.8},
    CountryIntensity{"EE", "EST", "Estonia", 481.2},
    CountryIntensity{"EG", "EGY", "Egypt", 464.4},
    CountryIntensity{"ES", "ESP", "Spain", 193.9},
    CountryIntensity{"ET", "ETH", "Ethiopia", 25.2},
    CountryIntensity{"FI", "FIN", "Finland", 145.5},
    CountryIntensity{"FR", "FRA", "France", 67.4},
    CountryIntensity{"GB", "GBR", "United Kingdom", 268.3},
    CountryIntensity{"GR", "GRC", "Greece", 353.3},
    CountryIntensity{"HK", "HKG", "Hong Kong", 684.0},
    CountryIntensity{"HR", "HRV", "Croatia", 211.0},
    CountryIntensity{"HU", "HUN", "Hungary", 233.0},
    CountryIntensity{"ID", "IDN", "Indonesia", 623.2},
    CountryIntensity{"IE", "IRL", "Ireland", 363.6},
    CountryIntensity{"IL", "ISR", "Israel", 548.0},
    CountryIntensity{"IN", "IND", "India", 637.2},
    CountryIntensity{"IR", "IRN", "Iran", 492.7},
    CountryIntensity{"IS", "ISL", "Iceland", 28.6},
    CountryIntensity{"IT", "ITA", "Italy", 340.8},
    CountryIntensity{"JP", "JPN", "Japan", 478.5},
    CountryIntensity{"KE", "KEN", "Kenya", 86.2},
    CountryIntensity{"KR", "KOR", "South Korea", 458.1},
    CountryIntensity{"KW", "KWT", "Kuwait", 489.6},
    CountryIntensity{"KZ", "KAZ", "Kazakhstan", 641.1},
    CountryIntensity{"LT", "LTU", "Lithuania", 244.6},
    CountryIntensity{"LU", "LUX", "Luxembourg", 187.0},
    CountryIntensity{"LV", "LVA", "Latvia", 223.9},
    CountryIntensity{"MA", "MAR", "Morocco", 610.4},
    CountryIntensity{"MX", "MEX", "Mexico", 399.9},
    CountryIntensity{"MY", "MYS", "Malaysia", 548.6},
    CountryIntensity{"NG", "NGA", "Nigeria", 377.0},
    CountryIntensity{"NL", "NLD", "Netherlands", 388.7},
    CountryIntensity{"NO", "NOR", "Norway", 27.6},
    CountryIntensity{"NP", "NPL", "Nepal", 24.5},
    CountryIntensity{"NZ", "NZL", "New Zealand", 132.4},
    CountryIntensity{"PE", "PER", "Peru", 230.7},
    CountryIntensity{"PH", "PHL", "Philippines", 580.9},
    CountryIntensity{"PK", "PAK", "Pakistan", 366.1},
    CountryIntensity{"PL", "POL", "Poland", 660.1},
    CountryIntensity{"PT", "PRT", "Portugal", 219.1},
    CountryIntensity{"PY", "PRY", "Paraguay", 25.5},
    CountryIntensity{"QA", "QAT", "Qatar", 489.8},
    CountryIntensity{"RO", "ROU", "Romania", 255.9},
    CountryIntensity{"RS", "SRB", "Serbia", 543.6},
    CountryIntensity{"RU", "RUS", "Russia", 359.9},
    CountryIntensity{"SA", "SAU", "Saudi Arabia", 571.3},
    CountryIntensity{"SE", "SWE", "Sweden", 45.8},
    CountryIntensity{"SG", "SGP", "Singapore", 487.9},
    CountryIntensity{"SI", "SVN", "Slovenia", 238.6},
    CountryIntensity{"SK", "SVK", "Slovakia", 169.6},
    CountryIntensity{"TH", "THA", "Thailand", 506.6},
    CountryIntensity{"TR", "TUR", "Turkey", 430.4},
    CountryIntensity{"TW", "TWN", "Taiwan", 573.3},
    CountryIntensity{"UA", "UKR", "Ukraine", 240.2},
    CountryIntensity{"US", "USA", "United States", 379.3},
    CountryIntensity{"UY", "URY", "Uruguay", 147.3},
    CountryIntensity{"VE", "VEN", "Venezuela", 212.5},
    CountryIntensity{"VN", "VNM", "Vietnam", 448.2},
    CountryIntensity{"ZA", "ZAF", "South Africa", 715.7},
};

}  // namespace

std::span<const CountryIntensity> carbon_intensity_table() { return kTable; }

}  // namespace slimlm::eval
