#include "slimlm/search/tpe_sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>

#include "slimlm/core/error.h"
#include "slimlm/search/hypervolume.h"
#include "slimlm/search/pareto.h"
#include "slimlm/search/random_sampler.h"

namespace slimlm::search {
namespace {

constexpr uint64_t kSalt = 0x545045;  // "TPE"
constexpr double kEps = 1e-12;
constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// ---- Normal distribution in log space ---------------------------------

// log Φ(z), accurate far into the lower tail (the asymptotic series past
// z = -20, where erfc would underflow a few units later).
double log_ndtr(double z) {
  if (z > 5) return std::log1p(-0.5 * std::erfc(z / std::numbers::sqrt2));
  if (z > -20) return std::log(0.5 * std::erfc(-z / std::numbers::sqrt2));
  const double z2 = z * z, inv = 1.0 / z2;
  const double series = 1.0 - inv * (1.0 - 3.0 * inv * (1.0 - 5.0 * inv * (1.0 - 7.0 * inv)));
  return -0.5 * z2 - std::log(-z) - 0.5 * std::log(2.0 * std::numbers::pi) + std::log(series);
}

// log(Φ(b) − Φ(a)) for a <= b, working in whichever tail keeps precision.
double log_gauss_mass(double a, double b) {
  if (!(a < b)) return kNegInf;
  if (b <= 0) {
    const double lb = log_ndtr(b), la = log_ndtr(a);
    return lb + std::log1p(-std::exp(la - lb));
  }
  if (a > 0) return log_gauss_mass(-b, -a);
  // Straddling 0: one minus both tails.
  return std::log1p(-0.5 * std::erfc(-a / std::numbers::sqrt2) - 0.5 * std::erfc(b / std::numbers::sqrt2));
}

double log_sum_exp(std::span<const double> v) {
  double top = kNegInf;
  for (double x : v) top = std::max(top, x);
  if (top == kNegInf) return kNegInf;
  double s = 0;
  for (double x : v) s += std::exp(x - top);
  return top + std::log(s);
}

// ---- Parzen estimators (one parameter) ---------------------------------

// A mixture of kernels, one per observation plus the prior, each a Gaussian
// truncated to [lo, hi] (a grid of `step` when step > 0: the mass of each
// cell around a grid point, Optuna's discrete truncated normal) or a row of
// categorical probabilities.
struct Parzen {
  bool categorical = false;
  double lo = 0, hi = 0, step = 0;  // numeric, in log space when log-scaled
  std::vector<double> weights;      // sums to 1
  std::vector<double> mus, sigmas;  // numeric
  std::vector<std::vector<double>> rows;  // categorical: one distribution per kernel

  size_t pick_kernel(Rng& rng) const {
    const double u = rng.uniform();
    double acc = 0;
    for (size_t k = 0; k < weights.size(); ++k) {
      acc += weights[k];
      if (u < acc) return k;
    }
    return weights.size() - 1;
  }

  // A draw in the estimator's coordinates (log space for log parameters,
  // grid points for stepped ones, the index for categoricals).
  double sample(Rng& rng) const {
    const size_t k = pick_kernel(rng);
    if (categorical) {
      const double u = rng.uniform();
      double acc = 0;
      for (size_t c = 0; c < rows[k].size(); ++c) {
        acc += rows[k][c];
        if (u < acc) return static_cast<double>(c);
      }
      return static_cast<double>(rows[k].size() - 1);
    }
    // Rejection from the untruncated Gaussian: the mean lies inside the
    // interval and sigma is at most its width, so at least a third of the
    // mass is inside and few draws are wasted.
    const double a = lo - step / 2, b = hi + step / 2;
    double x = std::clamp(mus[k], a, b);
    for (int tries = 0; tries < 1000; ++tries) {
      const double y = mus[k] + sigmas[k] * rng.normal();
      if (y >= a && y <= b) {
        x = y;
        break;
      }
    }
    if (step > 0) x = std::clamp(lo + std::round((x - lo) / step) * step, lo, hi);
    return x;
  }

  double log_pdf(double x) const {
    std::vector<double> terms(weights.size());
    for (size_t k = 0; k < weights.size(); ++k) {
      const double lw = std::log(weights[k]);
      if (categorical) {
        terms[k] = lw + std::log(rows[k][static_cast<size_t>(x)]);
        continue;
      }
      const double mu = mus[k], s = sigmas[k];
      const double a = lo - step / 2, b = hi + step / 2;
      const double norm = log_gauss_mass((a - mu) / s, (b - mu) / s);
      if (step > 0) {
        const double xl = std::max(x - step / 2, a), xu = std::min(x + step / 2, b);
        terms[k] = lw + log_gauss_mass((xl - mu) / s, (xu - mu) / s) - norm;
      } else {
        const double z = (x - mu) / s;
        terms[k] = lw - 0.5 * z * z - std::log(s) - 0.5 * std::log(2.0 * std::numbers::pi) - norm;
      }
    }
    return log_sum_exp(terms);
  }
};

// Per-observation weights before the prior: Optuna's default_weights (older
// observations fade linearly once there are more than 25).
std::vector<double> recency_weights(size_t n) {
  std::vector<double> w(n, 1.0);
  if (n < 25) return w;
  const size_t ramp = n - 25;
  for (size_t i = 0; i < ramp; ++i) {
    w[i] = ramp == 1 ? 1.0 / n : 1.0 / n + (1.0 - 1.0 / n) * i / static_cast<double>(ramp - 1);
  }
  return w;
}

// obs: the parameter's values of the kernel observations (estimator
// coordinates); w: their weights (the prior's weight is appended).
Parzen fit(const Param& p, std::vector<double> obs,
           std::vector<double> w, const TpeOptions& opt) {
  Parzen e;
  w.push_back(opt.prior_weight);
  double total = 0;
  for (double x : w) total += x;
  for (double& x : w) x /= total;
  e.weights = std::move(w);
  const size_t n = obs.size();
  if (p.kind == Param::Kind::kCategorical) {
    e.categorical = true;
    const size_t c = p.choices.size();
    // Every kernel spreads prior_weight / (n + 1) over the choices and puts
    // 1 on its own; the prior kernel is uniform.
    for (size_t k = 0; k <= n; ++k) {
      std::vector<double> row(c, opt.prior_weight / static_cast<double>(n + 1));
      if (k < n) row[static_cast<size_t>(obs[k])] += 1.0;
      double s = 0;
      for (double v : row) s += v;
      for (double& v : row) v /= s;
      e.rows.push_back(std::move(row));
    }
    return e;
  }
  if (p.log) {
    const double half = p.kind == Param::Kind::kInt ? 0.5 : 0.0;  // Optuna's log-int widening
    e.lo = std::log(p.low - half);
    e.hi = std::log(p.high + half);
  } else {
    e.lo = p.low;
    e.hi = p.high;
    e.step = p.step;  // ints carry step 1 (SearchSpace::add), continuous floats 0
  }
  const double width = e.hi - e.lo + e.step;
  const double prior_mu = 0.5 * (e.lo + e.hi);
  // Optuna's univariate bandwidth: the larger gap to a sorted neighbour (the
  // interval ends count as neighbours, except for the outermost kernels
  // unless consider_endpoints), clipped to [width / min(100, kernels + 1), width].
  std::vector<double> with_prior = obs;
  with_prior.push_back(prior_mu);
  std::vector<size_t> order(with_prior.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return with_prior[a] < with_prior[b]; });
  std::vector<double> ends(order.size() + 2);
  ends.front() = e.lo - e.step / 2;
  ends.back() = e.hi + e.step / 2;
  for (size_t i = 0; i < order.size(); ++i) ends[i + 1] = with_prior[order[i]];
  std::vector<double> sorted_sigma(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    sorted_sigma[i] = std::max(ends[i + 1] - ends[i], ends[i + 2] - ends[i + 1]);
  }
  if (!opt.consider_endpoints && ends.size() >= 4) {
    sorted_sigma.front() = ends[2] - ends[1];
    sorted_sigma.back() = ends[ends.size() - 2] - ends[ends.size() - 3];
  }
  const double max_sigma = width;
  const double min_sigma = opt.consider_magic_clip ? width / std::min(100.0, 1.0 + n + 1.0) : kEps;
  std::vector<double> sigma(order.size());
  for (size_t i = 0; i < order.size(); ++i) sigma[order[i]] = sorted_sigma[i];
  e.mus = obs;
  for (size_t i = 0; i < n; ++i) e.sigmas.push_back(std::clamp(sigma[i], min_sigma, max_sigma));
  e.mus.push_back(prior_mu);
  e.sigmas.push_back(max_sigma);
  return e;
}

// ---- Splitting the history into good and bad ---------------------------

// Optuna's reference for subset selection and weights: 10 % beyond the worst
// value of each objective (on the far side of 0 when it is negative).
Point reference_of(std::span<const Point> pts) {
  Point worst = pts[0];
  for (const Point& p : pts) {
    for (size_t i = 0; i < worst.size(); ++i) worst[i] = std::max(worst[i], p[i]);
  }
  for (double& w : worst) {
    w = std::max(1.1 * w, 0.9 * w);
    if (w == 0) w = kEps;
  }
  return worst;
}

// Greedy hypervolume subset selection: repeatedly the point that adds most.
std::vector<size_t> greedy_hssp(std::span<const Point> pts, size_t k) {
  const Point ref = reference_of(pts);
  std::vector<size_t> chosen;
  std::vector<Point> set;
  std::vector<bool> taken(pts.size(), false);
  double base = 0;
  while (chosen.size() < k) {
    size_t best = pts.size();
    double best_hv = -1;
    for (size_t i = 0; i < pts.size(); ++i) {
      if (taken[i]) continue;
      set.push_back(pts[i]);
      const double hv = hypervolume(set, ref);
      set.pop_back();
      if (hv - base > best_hv) best_hv = hv - base, best = i;
    }
    taken[best] = true;
    chosen.push_back(best);
    set.push_back(pts[best]);
    base += best_hv;
  }
  return chosen;
}

struct Split {
  std::vector<const Observation*> good, bad;
  std::vector<double> good_weights;
};

bool completed(const Observation& o, size_t m) {
  if (o.failed || o.objectives.size() != m) return false;
  return std::none_of(o.objectives.begin(), o.objectives.end(), [](double v) { return std::isnan(v); });
}

Split split(const std::vector<const Observation*>& obs, size_t m, const TpeOptions& opt) {
  std::vector<size_t> feasible, infeasible;
  for (size_t i = 0; i < obs.size(); ++i) {
    if (!completed(*obs[i], m)) continue;
    (obs[i]->violation > 0 ? infeasible : feasible).push_back(i);
  }
  const size_t n = feasible.size() + infeasible.size();
  size_t n_good = static_cast<size_t>(std::ceil(opt.gamma * static_cast<double>(n) - 1e-9));
  n_good = std::clamp<size_t>(n_good, 1, std::max<size_t>(opt.max_good, 1));
  std::vector<bool> is_good(obs.size(), false);

  // Feasible ones by front; the front that does not fit whole is cut by HSSP.
  std::vector<Point> pts;
  for (size_t i : feasible) pts.push_back(obs[i]->objectives);
  size_t taken = 0;
  for (const std::vector<size_t>& front : non_dominated_sort(pts)) {
    if (taken >= n_good) break;
    if (taken + front.size() <= n_good) {
      for (size_t f : front) is_good[feasible[f]] = true;
      taken += front.size();
      continue;
    }
    std::vector<Point> fp;
    for (size_t f : front) fp.push_back(pts[f]);
    for (size_t c : greedy_hssp(fp, n_good - taken)) is_good[feasible[front[c]]] = true;
    taken = n_good;
  }
  // Too few feasible: the least violating infeasible ones fill up.
  std::stable_sort(infeasible.begin(), infeasible.end(),
                   [&](size_t a, size_t b) { return obs[a]->violation < obs[b]->violation; });
  for (size_t i = 0; i < infeasible.size() && taken < n_good; ++i, ++taken) is_good[infeasible[i]] = true;

  Split s;
  std::vector<Point> good_pts;
  std::vector<size_t> good_feasible;  // positions in s.good
  for (size_t i = 0; i < obs.size(); ++i) {
    // Failed trials stay in g(x): their region is one to avoid.
    if (!is_good[i]) {
      s.bad.push_back(obs[i]);
      continue;
    }
    if (!(obs[i]->violation > 0)) {
      good_feasible.push_back(s.good.size());
      good_pts.push_back(obs[i]->objectives);
    }
    s.good.push_back(obs[i]);
  }
  // MOTPE weights: each good point by its hypervolume contribution among
  // the good ones, relative to the largest; infeasible ones get EPS.
  s.good_weights.assign(s.good.size(), kEps);
  if (good_pts.size() == 1) {
    s.good_weights[good_feasible[0]] = 1.0;
  } else if (good_pts.size() > 1) {
    std::vector<double> contrib = hypervolume_contributions(good_pts, reference_of(good_pts));
    double top = 0;
    for (double& c : contrib) top = std::max(top, c += kEps);
    for (size_t i = 0; i < contrib.size(); ++i) s.good_weights[good_feasible[i]] = std::clamp(contrib[i] / top, 0.0, 1.0);
  }
  return s;
}

}  // namespace

std::vector<Candidate> TpeSampler::propose(const SamplerContext& ctx) const {
  const SearchSpace& space = ctx.space;
  auto uniform = [&](Rng& rng) { return sample_uniform(space, rng); };
  const std::vector<const Observation*> before = history_before(ctx);
  std::optional<size_t> m;
  for (const Observation* o : before) {
    if (!o->failed) {
      m = o->objectives.size();
      break;
    }
  }
  size_t n_completed = 0;
  for (const Observation* o : before) n_completed += m && completed(*o, *m);
  if (!m || *m == 0 || n_completed < std::max<size_t>(options_.n_startup, 1)) {
    return collect_batch(ctx, kSalt, uniform, uniform);
  }

  const Split s = split(before, *m, options_);
  const std::vector<double> bad_weights = recency_weights(s.bad.size());
  auto snapped = [&](const std::vector<const Observation*>& set) {
    std::vector<Candidate> v;
    for (const Observation* o : set) v.push_back(space.clamp(o->x));
    return v;
  };
  const std::vector<Candidate> good_x = snapped(s.good), bad_x = snapped(s.bad);
  std::vector<Parzen> good(space.size()), bad(space.size());
  for (size_t i = 0; i < space.size(); ++i) {
    const Param& p = space.params()[i];
    auto coords = [&](const std::vector<Candidate>& set) {
      std::vector<double> v;
      for (const Candidate& x : set) v.push_back(p.log ? std::log(x[i]) : x[i]);
      return v;
    };
    good[i] = fit(p, coords(good_x), s.good_weights, options_);
    bad[i] = fit(p, coords(bad_x), bad_weights, options_);
  }
  const size_t n_candidates = std::max<size_t>(options_.n_ei_candidates, 1);
  auto draw = [&](Rng& rng) {
    Candidate c(space.size());
    for (size_t i = 0; i < space.size(); ++i) {
      // Univariate TPE: the draw from l that maximises log l − log g.
      double best = 0, best_score = -std::numeric_limits<double>::infinity();
      for (size_t k = 0; k < n_candidates; ++k) {
        const double x = good[i].sample(rng);
        const double score = good[i].log_pdf(x) - bad[i].log_pdf(x);
        if (k == 0 || score > best_score) best = x, best_score = score;
      }
      c[i] = space.params()[i].log ? std::exp(best) : best;
    }
    return c;
  };
  return collect_batch(ctx, kSalt, draw, uniform);
}

}  // namespace slimlm::search
