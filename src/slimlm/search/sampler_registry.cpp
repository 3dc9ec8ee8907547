#include "slimlm/search/sampler_registry.h"

#include <string>

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/search/grid_sampler.h"
#include "slimlm/search/nsga2_sampler.h"
#include "slimlm/search/random_sampler.h"
#include "slimlm/search/tpe_sampler.h"

namespace slimlm::search {
namespace {

std::unique_ptr<Sampler> make_grid(const nlohmann::json& options) {
  SamplerOptions("grid", options).finish();
  return std::make_unique<GridSampler>();
}

std::unique_ptr<Sampler> make_random(const nlohmann::json& options) {
  SamplerOptions("random", options).finish();
  return std::make_unique<RandomSampler>();
}

std::unique_ptr<Sampler> make_nsga2(const nlohmann::json& options) {
  SamplerOptions o("nsga2", options);
  Nsga2Options n;
  n.population = static_cast<size_t>(o.integer("population", static_cast<int64_t>(n.population)));
  n.crossover_prob = o.number("crossover_prob", n.crossover_prob);
  n.eta_crossover = o.number("eta_crossover", n.eta_crossover);
  n.eta_mutation = o.number("eta_mutation", n.eta_mutation);
  n.mutation_prob = o.number("mutation_prob", n.mutation_prob);
  o.finish();
  if (n.population < 2) throw ConfigError("sampler 'nsga2': option 'population' must be at least 2");
  if (n.crossover_prob < 0 || n.crossover_prob > 1) {
    throw ConfigError("sampler 'nsga2': option 'crossover_prob' must be in [0, 1]");
  }
  if (n.mutation_prob < 0 || n.mutation_prob > 1) {
    throw ConfigError("sampler 'nsga2': option 'mutation_prob' must be in [0, 1] (0: 1 / parameters)");
  }
  if (n.eta_crossover < 0 || n.eta_mutation < 0) {
    throw ConfigError("sampler 'nsga2': options 'eta_crossover' and 'eta_mutation' must be >= 0");
  }
  return std::make_unique<Nsga2Sampler>(n);
}

std::unique_ptr<Sampler> make_tpe(const nlohmann::json& options) {
  SamplerOptions o("tpe", options);
  TpeOptions t;
  t.n_startup = static_cast<size_t>(o.integer("n_startup", static_cast<int64_t>(t.n_startup)));
  t.n_ei_candidates = static_cast<size_t>(o.integer("n_ei_candidates", static_cast<int64_t>(t.n_ei_candidates)));
  t.prior_weight = o.number("prior_weight", t.prior_weight);
  t.gamma = o.number("gamma", t.gamma);
  t.max_good = static_cast<size_t>(o.integer("max_good", static_cast<int64_t>(t.max_good)));
  t.consider_magic_clip = o.boolean("consider_magic_clip", t.consider_magic_clip);
  t.consider_endpoints = o.boolean("consider_endpoints", t.consider_endpoints);
  o.finish();
  if (!(t.prior_weight > 0)) throw ConfigError("sampler 'tpe': option 'prior_weight' must be positive");
  if (!(t.gamma > 0 && t.gamma <= 1)) throw ConfigError("sampler 'tpe': option 'gamma' must be in (0, 1]");
  if (t.n_ei_candidates < 1) throw ConfigError("sampler 'tpe': option 'n_ei_candidates' must be at least 1");
  if (t.max_good < 1) throw ConfigError("sampler 'tpe': option 'max_good' must be at least 1");
  return std::make_unique<TpeSampler>(t);
}

constexpr SamplerInfo kSamplers[] = {
    {"grid", "every grid point in lexicographic order", make_grid},
    {"random", "uniform random (log-uniform where log-scaled)", make_random},
    {"nsga2", "NSGA-II evolutionary search (population, crossover_prob, eta_crossover, eta_mutation, mutation_prob)", make_nsga2},
    {"tpe", "multi-objective TPE (n_startup, n_ei_candidates, prior_weight, gamma, max_good)", make_tpe},
};

}  // namespace

std::span<const SamplerInfo> samplers() { return kSamplers; }

std::string sampler_list() {
  std::string out;
  for (const SamplerInfo& s : kSamplers) {
    if (!out.empty()) out += ", ";
    out += s.name;
  }
  return out;
}

std::unique_ptr<Sampler> make_sampler(std::string_view name, const nlohmann::json& options) {
  for (const SamplerInfo& s : kSamplers) {
    if (s.name == name) return s.make(options);
  }
  throw ConfigError(fmt::format("unknown sampler '{}' (known: {})", name, sampler_list()));
}

}  // namespace slimlm::search
