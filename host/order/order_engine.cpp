// The order-statistics engine (DESIGN.md's third tier, THEORY.md section 8): per trial, the K nearest keys
// exactly (Renyi's representation through the model's inverse distance CDF, in log space), and the other
// n - K keys as the Gaussian limit of their per-beta sums given E > E_(K), with mean and covariance from a
// quadrature of that conditional law (all betas jointly). Distances are rescaled, y = (n c)^{1/a'} E, and n
// is held as log n, so the cost of a trial does not grow with n and n = 1e5000 works.
//
// The Gaussian bulk. Its per-key terms phi(y) = (g_b, g_b (y - y_1), g_b^2) with g_b = e^{-lambda_b (y - y_1)}
// are i.i.d. given E_(K); the conditional law is discretised by Gauss-Legendre panels in the measure
// Lambda(y) = n P(E <= y / S) (expected number of keys below y), geometric away from y_K. The Gaussian
// with the discretised law's covariance is sum_q sqrt(N pi_q) (phi_q - mu) zeta_q (zeta_q i.i.d. standard
// normals, one per node): no matrix is factorised. Its error: by the Wasserstein-1 Berry-Esseen bound
// with constant 1 (Goldstein, "Bounds on the constant in the mean central limit theorem", Ann. Probab. 2010),
// W1(bulk sum, its Gaussian) <= E|phi - mu|^3 / Var(phi) per sum, whatever N; divided by the trial's total
// sum, the largest over betas and the three sums is TrialState::bulk_error_bound. A cheap upper bound of
// the same (E|phi - mu|^3 / Var <= max phi) chooses K: K doubles from 64 until the bound is below the
// spec's bulk_tolerance (the K nearest are a stopping time for the order statistics, so the bulk stays
// i.i.d. from the conditional law).
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <vector>

#include <boost/math/quadrature/gauss.hpp>
#include <fmt/core.h>
#include <omp.h>

#include "attnlim/core/philox.hpp"
#include "attnlim/core/stop.hpp"
#include "attnlim/core/variates.hpp"
#include "attnlim/engine/engine.hpp"
#include "attnlim/keys/distance_law.hpp"

namespace attnlim {

namespace {

constexpr std::uint64_t kAllExactUpTo = 4096;           // n up to this: every key exact (K = n)
constexpr std::uint64_t kFirstK = 64;                   // K starts here and doubles
constexpr std::uint64_t kMaxK = std::uint64_t{1} << 14;  // and stops here (the bound is reported as it is)
constexpr std::uint64_t kQuadratureBoundFrom = 1024;    // from this K the sharper quadrature bound is tried
constexpr std::uint64_t kBulkStream = std::uint64_t{1} << 62;  // Philox key indices of the bulk's normals
constexpr int kMaxPanels = 4000;
constexpr double kTailMargin = 45.0;   // the bulk beyond lambda (y - y_1) > log n + 45 weighs < e^{-45}
constexpr double kFirstPanel = 0.02;   // the first panel spans lambda_max dy = 0.02
constexpr double kLog2 = 0.69314718055994530942;

struct GaussRule {
  std::vector<double> x, w;  // on [-1, 1]
  GaussRule() {
    using Rule = boost::math::quadrature::gauss<double, 10>;
    const auto& abscissa = Rule::abscissa();
    const auto& weights = Rule::weights();
    for (std::size_t i = 0; i < abscissa.size(); ++i) {
      x.push_back(abscissa[i]);
      w.push_back(weights[i]);
      if (abscissa[i] != 0.0) {
        x.push_back(-abscissa[i]);
        w.push_back(weights[i]);
      }
    }
  }
};

// What every trial of one run shares.
struct RunContext {
  const RunSpec* spec = nullptr;
  DistanceLaw law{{}};
  double log_n = 0.0;
  bool exact = true;
  double n = 0.0;        // n as a double (infinity beyond the largest double)
  double scale = 0.0;    // L = log S, S = (n c)^{1/a'}: y = E e^L
  std::vector<double> lambda;  // betas in rescaled units
  double lambda_min = 0.0, lambda_max = 0.0;  // over the positive ones
  int nb = 0;
  int tangent = 0;       // tangent coordinates kept (d - 1 with the output vector, else 0)
  GaussRule gauss;
};

struct ExactKey {
  double y = 0.0;      // rescaled distance
  double log_e = 0.0;  // log E
};

// The Gaussian bulk at one K: means, fluctuation, error bound (3 sums x nb betas, sum-major: [sum][b]).
struct Bulk {
  std::vector<double> sum;  // mean + fluctuation, per sum and beta
  std::vector<double> vec;  // tangential fluctuation per beta (tangent numbers each)
  double bound = 0.0;
};

double normal_at(const RunContext& c, std::uint32_t trial, std::uint64_t node, std::uint32_t index) {
  double z[4];
  normals4(key_block(c.spec->seed, trial, kBulkStream + node, index / 4), z);
  return z[index % 4];
}

// Sums over the exact keys: [0] s0, [1] s1, [2] s2 per beta.
void exact_sums(const RunContext& c, const std::vector<ExactKey>& keys, std::vector<double>& top) {
  top.assign(3 * c.nb, 0.0);
  const double y1 = keys.front().y;
  for (const ExactKey& k : keys)
    for (int b = 0; b < c.nb; ++b) {
      const double dy = k.y - y1, g = std::exp(-c.lambda[b] * dy);
      top[b] += g;
      top[c.nb + b] += g * dy;
      top[2 * c.nb + b] += g * g;
    }
}

// The cheap bound: max phi over the bulk (y > y_K) relative to the exact keys' sum, per sum and beta.
double cheap_bound(const RunContext& c, const std::vector<ExactKey>& keys, const std::vector<double>& top) {
  const double span = keys.back().y - keys.front().y;
  double worst = 0.0;
  for (int b = 0; b < c.nb; ++b) {
    const double lam = c.lambda[b];
    const double g = std::exp(-lam * span);
    // g (y - y_1) is largest at y - y_1 = 1/lambda, or at y_K when that lies beyond.
    const double h = lam * span >= 1.0 ? g * span : (lam > 0 ? std::exp(-1.0) / lam : std::numeric_limits<double>::infinity());
    worst = std::max({worst, g / top[b], g * g / top[2 * c.nb + b], top[c.nb + b] > 0 ? h / top[c.nb + b] : 1.0});
  }
  return worst;
}

Bulk gaussian_bulk(const RunContext& c, std::uint32_t trial, const std::vector<ExactKey>& keys,
                   double log_u_k, const std::vector<double>& top) {
  const RunSpec& spec = *c.spec;
  const std::uint64_t K = keys.size();
  const double y1 = keys.front().y;
  const double log_lambda_k = c.log_n + log_u_k;  // Lambda(y_K) = n U_(K)
  const double lambda_k = std::exp(log_lambda_k);
  // n - Lambda(y_K), and r = (n - K) / (n - Lambda(y_K)) (1 to double precision for n beyond 2^53 K).
  const double n_minus = c.exact ? c.n - lambda_k : (c.log_n > 700 ? std::numeric_limits<double>::infinity() : c.n - lambda_k);
  const double r = c.exact ? (c.n - static_cast<double>(K)) / n_minus
                           : (std::isfinite(n_minus) ? (c.n - static_cast<double>(K)) / n_minus : 1.0);
  // Where the bulk stops mattering: lambda_min (y - y_1) > log n + margin; the whole range without positive betas.
  double w_end = n_minus;
  if (c.lambda_min > 0) {
    const double y_end = y1 + (c.log_n + kTailMargin) / c.lambda_min;
    const double log_e_end = std::log(y_end) - c.scale;
    if (log_e_end < std::log(2.0)) w_end = std::min(n_minus, std::exp(c.log_n + c.law.log_cdf(log_e_end)) - lambda_k);
  }
  Bulk out;
  out.sum.assign(3 * c.nb, 0.0);
  out.vec.assign(static_cast<std::size_t>(c.nb) * c.tangent, 0.0);
  if (!(w_end > 0)) return out;
  if (!std::isfinite(w_end)) throw std::runtime_error("order engine: the bulk's range is beyond a double (beta too small for this n)");
  // First panel: y moves by kFirstPanel / lambda_max; dLambda/dy = n f(E) / S.
  const double log_density_k = c.log_n + c.law.log_density(keys.back().log_e) - c.scale;
  double delta = c.lambda_max > 0 ? kFirstPanel / c.lambda_max * std::exp(log_density_k) : w_end;
  delta = std::min(delta, w_end);
  std::vector<double> edges = {0.0, delta};
  while (edges.back() < w_end && static_cast<int>(edges.size()) <= kMaxPanels) edges.push_back(std::min(w_end, 2.0 * edges.back()));
  edges.back() = w_end;
  // Nodes: rescaled distance, Lambda-mass, E (2 - E), component shares.
  const int components = static_cast<int>(c.law.components().size());
  std::vector<double> node_y, node_w, node_t2, node_share;
  for (std::size_t p = 0; p + 1 < edges.size(); ++p) {
    const double mid = 0.5 * (edges[p] + edges[p + 1]), half = 0.5 * (edges[p + 1] - edges[p]);
    for (std::size_t i = 0; i < c.gauss.x.size(); ++i) {
      const double w = mid + half * c.gauss.x[i];
      const double log_u = std::min(0.0, log_u_k + std::log1p(w / lambda_k));
      const double log_e = c.law.log_quantile(log_u);
      node_y.push_back(std::exp(log_e + c.scale));
      node_w.push_back(half * c.gauss.w[i]);
      const double e = std::exp(log_e);
      node_t2.push_back(e * (2.0 - e));
      if (c.tangent)
        for (int j = 0; j < components; ++j)
          node_share.push_back(components == 1 ? 1.0 : std::exp(c.law.log_component_share(j, log_e)));
    }
  }
  const std::size_t Q = node_y.size();
  const int F = 3 * c.nb;
  std::vector<double> phi(Q * F);
  double total_w = 0.0;
  for (std::size_t q = 0; q < Q; ++q) {
    const double dy = node_y[q] - y1;
    total_w += node_w[q];
    for (int b = 0; b < c.nb; ++b) {
      // A node near E = 2 whose rescaled distance is beyond a double weighs e^{-lambda y} = 0 (lambda > 0 there:
      // the refusal keeps lambda from underflowing to 0).
      const double g = std::isfinite(dy) ? std::exp(-c.lambda[b] * dy) : 0.0;
      phi[q * F + b] = g;
      phi[q * F + c.nb + b] = g == 0.0 ? 0.0 : g * dy;
      phi[q * F + 2 * c.nb + b] = g * g;
    }
  }
  // The conditional law's probabilities pi_q = w_q / W (W = n - Lambda(y_K), or the nodes' mass where n is
  // beyond a double), the mass beyond the nodes (phi ~ 0 there) one atom at 0. Moments per function are taken
  // of (phi - mu) / scale so nothing overflows however large n and the rescaled distances are; the bulk's sum
  // is r W mu + sqrt(r W) scale sum_q sqrt(pi_q) ((phi_q - mu) / scale) zeta_q.
  const double W = std::isfinite(n_minus) ? n_minus : total_w;
  const double far = std::isfinite(n_minus) ? std::max(0.0, 1.0 - total_w / W) : 0.0;
  const double far_normal = far > 0 ? normal_at(c, trial, Q, 0) : 0.0;
  std::vector<double> zeta(Q);
  for (std::size_t q = 0; q < Q; ++q) zeta[q] = normal_at(c, trial, q, 0);
  for (int i = 0; i < F; ++i) {
    double mu = 0.0;
    for (std::size_t q = 0; q < Q; ++q) mu += node_w[q] / W * phi[q * F + i];
    double scale = far > 0 ? std::abs(mu) : 0.0;
    for (std::size_t q = 0; q < Q; ++q) scale = std::max(scale, std::abs(phi[q * F + i] - mu));
    double fluct = 0.0, second = 0.0, third = 0.0;
    if (scale > 0) {
      for (std::size_t q = 0; q < Q; ++q) {
        const double pi = node_w[q] / W, dev = (phi[q * F + i] - mu) / scale;
        fluct += std::sqrt(pi) * dev * zeta[q];
        second += pi * dev * dev;
        third += pi * dev * dev * std::abs(dev);
      }
      if (far > 0) {
        const double dev = -mu / scale;
        fluct += std::sqrt(far) * dev * far_normal;
        second += far * dev * dev;
        third += far * dev * dev * std::abs(dev);
      }
    }
    const double mean = r * W * mu, sum = mean + std::sqrt(r * W) * scale * fluct;
    if (!std::isfinite(sum))
      throw InputError("beta", fmt::format("the bulk's sum {} at beta number {} is beyond a double in rescaled units at "
                                           "n = {} (beta too small for this n; the order sampler cannot represent it)",
                                           i < c.nb ? "s0" : i < 2 * c.nb ? "s1" : "s2", i % c.nb + 1, spec.n.text()));
    out.sum[i] = std::max(0.0, sum);
    const double total = top[i] + mean;
    if (second > 0 && total > 0) {
      const double relative = third / second * scale / total;
      out.bound = std::max(out.bound, std::isfinite(relative) ? relative : std::numeric_limits<double>::infinity());
    }
  }
  // The tangential sum: mean 0 (models symmetric about q); per tangent coordinate j and beta, covariance
  // N E[g_b g_b' E(2-E) / t_c ; component c covers j], one normal per (node, component, coordinate).
  if (c.tangent) {
    for (std::size_t q = 0; q < Q; ++q)
      for (int comp = 0; comp < components; ++comp) {
        const int t = c.law.components()[comp].tangent_dim;
        const double kappa = std::sqrt(r * node_w[q] * node_share[q * components + comp] * node_t2[q] / t);
        if (!(kappa > 0)) continue;
        for (int j = 0; j < t && j < c.tangent; ++j) {
          const double z = kappa * normal_at(c, trial, q, 1 + static_cast<std::uint32_t>(comp * c.tangent + j));
          for (int b = 0; b < c.nb; ++b) out.vec[static_cast<std::size_t>(b) * c.tangent + j] += z * phi[q * F + b];
        }
      }
  }
  return out;
}

TrialState run_trial(const RunContext& c, std::uint32_t trial) {
  const RunSpec& spec = *c.spec;
  std::vector<ExactKey> keys;
  double t_sum = 0.0, g_sum = 0.0, log_u = 0.0;
  const auto draw = [&]() {
    const std::uint64_t k = keys.size();
    const Philox4 block = key_block(spec.seed, trial, k, 0);
    const double xi = exponential64(block.v[0], block.v[1]);
    double log_t;
    if (c.exact) {
      t_sum += xi / (c.n - static_cast<double>(k));  // xi_i / (n - i + 1), i = k + 1
      log_t = std::log(t_sum);
    } else {
      g_sum += xi;
      log_t = std::log(g_sum) - c.log_n;
    }
    // log U_(k) = log(1 - e^{-T}); for T below 1e-17 that is log T to an ulp.
    log_u = log_t < -40.0 ? log_t : std::log(-std::expm1(-std::exp(log_t)));
    const double log_e = c.law.log_quantile(log_u);
    keys.push_back({std::exp(log_e + c.scale), log_e});
  };
  const std::uint64_t n_exact = c.exact ? static_cast<std::uint64_t>(c.n) : std::numeric_limits<std::uint64_t>::max();
  const bool all_exact = c.exact && n_exact <= kAllExactUpTo;
  std::uint64_t target = all_exact ? n_exact : std::min<std::uint64_t>(n_exact, std::max<std::uint64_t>(kFirstK, spec.top_k));
  std::vector<double> top;
  std::optional<Bulk> bulk;
  while (true) {
    while (keys.size() < target) draw();
    exact_sums(c, keys, top);
    if (keys.size() == n_exact) break;  // every key exact
    const double cheap = cheap_bound(c, keys, top);
    if (cheap <= spec.bulk_tolerance) break;
    const bool last = target >= kMaxK || target >= n_exact;
    if (keys.size() >= kQuadratureBoundFrom || last) {
      bulk = gaussian_bulk(c, trial, keys, log_u, top);
      if (bulk->bound <= spec.bulk_tolerance || last) break;  // at the cap the bound is reported as it is
      bulk.reset();
    }
    target = std::min<std::uint64_t>({2 * target, kMaxK, n_exact});
  }
  if (keys.size() < n_exact && !bulk) bulk = gaussian_bulk(c, trial, keys, log_u, top);

  TrialState st(c.nb, c.tangent, spec.top_k, /*indexed=*/false);
  st.count = c.exact ? n_exact : std::numeric_limits<std::uint64_t>::max();
  st.min_distance = keys.front().y;
  st.log_distance_scale = c.scale;
  st.exact_keys = keys.size();
  st.bulk_error_bound = bulk ? bulk->bound : 0.0;
  for (int b = 0; b < c.nb; ++b) {
    st.s0[b] = top[b] + (bulk ? bulk->sum[b] : 0.0);
    st.s1[b] = top[c.nb + b] + (bulk ? bulk->sum[c.nb + b] : 0.0);
    st.s2[b] = top[2 * c.nb + b] + (bulk ? bulk->sum[2 * c.nb + b] : 0.0);
  }
  st.top_size = std::min<int>(spec.top_k, static_cast<int>(keys.size()));
  for (int i = 0; i < st.top_size; ++i) st.top_distance[i] = keys[i].y;
  if (c.tangent) {
    // The exact keys' directions: the component given E (a mixture's), then a uniform direction on its
    // tangent sphere, scaled by sin(angle) = sqrt(E (2 - E)); draws 1.. of the key's stream.
    const auto& comps = c.law.components();
    std::vector<double> dir(c.tangent);
    for (std::size_t k = 0; k < keys.size(); ++k) {
      const Philox4 block = key_block(spec.seed, trial, k, 0);
      int comp = 0;
      if (comps.size() > 1) {
        double u = uniform64(block.v[2], block.v[3]);
        for (comp = 0; comp + 1 < static_cast<int>(comps.size()); ++comp) {
          u -= std::exp(c.law.log_component_share(comp, keys[k].log_e));
          if (u < 0) break;
        }
      }
      const int t = std::min(comps[comp].tangent_dim, c.tangent);
      double norm2 = 0.0;
      for (int j = 0; j < t; j += 4) {
        double z[4];
        normals4(key_block(spec.seed, trial, k, 1 + static_cast<std::uint32_t>(j / 4)), z);
        for (int i = 0; i < 4 && j + i < t; ++i) {
          dir[j + i] = z[i];
          norm2 += z[i] * z[i];
        }
      }
      const double e = std::exp(keys[k].log_e);
      const double radius = std::sqrt(e * (2.0 - e) / norm2);
      const double dy = keys[k].y - keys.front().y;
      for (int b = 0; b < c.nb; ++b) {
        const double g = std::exp(-c.lambda[b] * dy) * radius;
        double* v = st.vec.data() + static_cast<std::size_t>(b) * c.tangent;
        for (int j = 0; j < t; ++j) v[j] += g * dir[j];
      }
    }
    if (bulk)
      for (std::size_t i = 0; i < st.vec.size(); ++i) st.vec[i] += bulk->vec[i];
  }
  return st;
}

class OrderEngine final : public Engine {
 public:
  using Engine::Engine;
  std::string name() const override { return "order"; }
  std::string device() const override {
    return fmt::format("{} OpenMP threads", options().threads > 0 ? options().threads : omp_get_max_threads());
  }
  bool accelerator() const override { return false; }
  const char* work_unit() const override { return "trials"; }
  std::optional<InputError> refusal(const RunSpec& spec) const override {
    std::string why;
    if (!distance_law(spec.keys, &why)) return InputError("keys", why);
    const double scale = log_rescale(spec);
    for (std::size_t b = 0; b < spec.betas.size(); ++b)
      if (spec.betas[b] > 0 && log_beta(spec, static_cast<int>(b)) - scale < -700.0)
        return InputError("beta", fmt::format("beta number {} is below 1e-300 (n c)^{{1/a'}} at n = {}: in rescaled units it "
                                              "is 0, and its sums are beyond a double (the order sampler cannot run it)",
                                              b + 1, spec.n.text()));
    if (spec.n.log() > 700.0 || scale > 700.0)
      for (double b : spec.betas)
        if (b == 0.0)
          return InputError("beta", fmt::format("beta = 0 weighs all n = {} keys alike: their sums are beyond a double "
                                                "(the order sampler needs beta > 0 where n or (n c)^{{1/a'}} is above 1e304)", spec.n.text()));
    return std::nullopt;
  }

 protected:
  std::vector<TrialState> run_range(const RunSpec& spec, const WorkRange& range, const KeysDone& progress) override {
    RunContext c;
    c.spec = &spec;
    c.law = *distance_law(spec.keys);
    c.log_n = spec.n.log();
    c.exact = spec.n.is_exact();
    c.n = spec.n.value();
    c.scale = log_rescale(spec);
    c.lambda = state_betas(spec, c.scale);
    c.nb = static_cast<int>(spec.betas.size());
    c.tangent = spec.tangent_dim();
    c.lambda_min = std::numeric_limits<double>::infinity();
    for (double l : c.lambda)
      if (l > 0) {
        c.lambda_min = std::min(c.lambda_min, l);
        c.lambda_max = std::max(c.lambda_max, l);
      }
    if (!std::isfinite(c.lambda_min)) c.lambda_min = 0.0;
    std::vector<TrialState> states(range.trials);
    const int threads = options().threads > 0 ? options().threads : omp_get_max_threads();
    std::atomic<std::uint64_t> done{0};
    std::exception_ptr failure;
    std::mutex failure_lock;
    std::atomic<bool> failed{false};
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(range.trials); ++i) {
      if (stop_requested() || failed.load(std::memory_order_relaxed)) continue;
      try {
        states[i] = run_trial(c, static_cast<std::uint32_t>(range.first_trial + i));
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_lock);
        if (!failure) failure = std::current_exception();
        failed = true;
      }
      const std::uint64_t finished = ++done;
      if (progress && omp_get_thread_num() == 0) progress(static_cast<double>(finished));
    }
    if (failure) std::rethrow_exception(failure);
    throw_if_stop_requested();
    if (progress) progress(static_cast<double>(range.trials));
    return states;
  }
};

}  // namespace

std::unique_ptr<Engine> make_order_engine(const EngineOptions& options) {
  validate(options);
  return std::make_unique<OrderEngine>(options);
}

}  // namespace attnlim
