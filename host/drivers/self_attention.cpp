#include "attnlim/drivers/self_attention.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

#include <fmt/core.h>

#include "attnlim/analysis/crossing.hpp"
#include "attnlim/analysis/statistics.hpp"
#include "attnlim/core/errors.hpp"
#include "attnlim/drivers/grid.hpp"
#include "attnlim/theory/log_n.hpp"

namespace attnlim {

void validate(const SelfAttentionConfig& c) {
  if (c.ns.empty()) throw InputError("n", "the list is empty");
  if (c.gammas.empty()) throw InputError("gamma", "the list is empty");
  for (double g : c.gammas)
    if (!(g >= 0) || !std::isfinite(g)) throw InputError("gamma", fmt::format("every gamma must be finite and >= 0 (got {})", g));
  if (c.trials < 1 || c.trials > kMaxTrials) throw InputError("trials", fmt::format("must be between 1 and {}", kMaxTrials));
  if (c.find_gamma) {
    if (c.gammas.size() < 2) throw InputError("find_gamma", "needs at least 2 values of --gamma to bracket the crossing");
    if (!std::is_sorted(c.gammas.begin(), c.gammas.end()))
      throw InputError("find_gamma", "needs the --gamma values in increasing order");
    if (c.trials < 8) throw InputError("trials", "--find-gamma bootstraps over trials: at least 8");
  }
  for (std::uint64_t n : c.ns) {
    SelfAttentionSpec s;
    s.d = c.d;
    s.n = n;
    s.rho = c.rho;
    s.beta = c.gammas.back() * std::log(static_cast<double>(std::max<std::uint64_t>(n, 2)));
    s.layers = c.layers;
    s.tokens = c.tokens;
    validate(s);
  }
}

SelfAttentionResult run_self_attention(SelfAttentionEngine& engine, const SelfAttentionConfig& c,
                                       const ProgressCallback& progress) {
  validate(c);
  SelfAttentionResult r;
  r.config = c;
  r.backend = engine.name();
  r.device = engine.device();
  const auto start = std::chrono::steady_clock::now();
  // Every (n, gamma, trial) as one batch, so that an engine over MPI ranks can spread all of it.
  std::vector<SelfAttentionJob> jobs;
  for (std::uint64_t n : c.ns)
    for (double gamma : c.gammas) {
      SelfAttentionPoint p;
      p.n = n;
      p.gamma = gamma;
      p.beta = gamma * std::log(static_cast<double>(n));
      SelfAttentionSpec s;
      s.d = c.d;
      s.n = n;
      s.rho = c.rho;
      s.beta = p.beta;
      s.layers = c.layers;
      s.tokens = c.tokens;
      s.seed = point_seed(c.seed, c.d, n);  // the same tokens at every gamma of this n (common random numbers)
      for (std::uint64_t t = 0; t < c.trials; ++t) jobs.push_back({s, static_cast<std::uint32_t>(t)});
      r.points.push_back(std::move(p));
    }
  double total = 0;  // work in token pairs x layers
  for (const SelfAttentionJob& job : jobs) total += job.work();
  WorkDone job_progress;
  if (progress)
    job_progress = [&](double done) {
      progress(ProgressUpdate{fmt::format("self-attention d={}, {} runs", c.d, jobs.size()), done, total, "token pairs"});
    };
  std::vector<std::vector<LayerStats>> stats = engine.run_jobs(jobs, job_progress);
  std::size_t next = 0;
  for (SelfAttentionPoint& p : r.points)
    for (std::uint64_t t = 0; t < c.trials; ++t) p.trials.push_back(std::move(stats[next++]));
  if (c.find_gamma) {
    for (std::uint64_t n : c.ns) {
      // The mean cosine after one layer falls with gamma: cross its negative at -(rho + 1)/2.
      std::vector<std::vector<double>> per_trial(c.trials, std::vector<double>(c.gammas.size()));
      std::size_t g = 0;
      for (const auto& p : r.points)
        if (p.n == n) {
          for (std::uint64_t t = 0; t < c.trials; ++t) per_trial[t][g] = -p.trials[t][0].mean_cosine;
          ++g;
        }
      const CrossingEstimate est =
          estimate_crossing(c.gammas, per_trial, -0.5 * (c.rho + 1.0), c.resamples, point_seed(c.seed ^ 0x9a11a, c.d, n));
      GammaStar gs;
      gs.n = n;
      gs.gamma_star = est.log_beta;  // the crossing in gamma itself (x = gamma, not log)
      gs.ci_low = est.ci_low;
      gs.ci_high = est.ci_high;
      gs.gamma_c = theory::simplex_gamma_c(c.rho);
      gs.simplex_midpoint = theory::simplex_midpoint_gamma(static_cast<double>(n), c.rho);
      gs.annealed_midpoint = theory::annealed_midpoint_gamma(static_cast<double>(n), c.rho, c.d);
      r.gamma_stars.push_back(gs);
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

namespace {

nlohmann::json summary_json(const std::vector<double>& v) {
  Moments m;
  for (double x : v) m.add(x);
  return {{"mean", m.mean}, {"stderr", m.stderr_of_mean()}, {"sd", m.sd()}};
}

// Theory at one layer of the first: the simplex closed form (exact for simplex tokens) and, for random tokens,
// the annealed self weight.
nlohmann::json prediction(const SelfAttentionConfig& c, const SelfAttentionPoint& p) {
  const double n = static_cast<double>(p.n);
  nlohmann::json j = {{"simplex_self_weight", theory::simplex_self_weight(n, p.gamma, c.rho)},
                      {"simplex_next_rho", theory::simplex_next_rho(n, p.gamma, c.rho)}};
  if (c.tokens == TokenLayout::random) j["annealed_self_weight"] = theory::annealed_self_weight(n, p.gamma, c.rho, c.d);
  return j;
}

}  // namespace

nlohmann::json to_json(const SelfAttentionResult& r) {
  const SelfAttentionConfig& c = r.config;
  nlohmann::json j;
  j["config"] = {{"n", c.ns},           {"d", c.d},           {"rho", c.rho},
                 {"gamma", c.gammas},   {"layers", c.layers}, {"trials", c.trials},
                 {"tokens", token_layout_name(c.tokens)}, {"seed", c.seed}, {"find_gamma", c.find_gamma}};
  j["backend"] = r.backend;
  j["device"] = r.device;
  j["seconds"] = r.seconds;
  j["gamma_c"] = theory::simplex_gamma_c(c.rho);
  j["results"] = nlohmann::json::array();
  for (const auto& p : r.points)
    for (int layer = 0; layer < c.layers; ++layer) {
      std::vector<double> self, entropy, cosine;
      double lo = 1.0, hi = 0.0;
      for (const auto& t : p.trials) {
        self.push_back(t[layer].self_weight);
        entropy.push_back(t[layer].entropy);
        cosine.push_back(t[layer].mean_cosine);
        lo = std::min(lo, t[layer].self_min);
        hi = std::max(hi, t[layer].self_max);
      }
      nlohmann::json e = {{"n", p.n},
                          {"gamma", p.gamma},
                          {"beta", p.beta},
                          {"layer", layer + 1},
                          {"observables",
                           {{"self_weight", summary_json(self)}, {"entropy", summary_json(entropy)},
                            {"mean_cosine", summary_json(cosine)}}},
                          {"self_weight_min", lo},
                          {"self_weight_max", hi}};
      if (layer == 0) e["prediction"] = prediction(c, p);
      j["results"].push_back(e);
    }
  if (c.find_gamma) {
    j["find_gamma"] = nlohmann::json::array();
    for (const auto& g : r.gamma_stars)
      j["find_gamma"].push_back({{"n", g.n},
                                 {"gamma_star", std::isnan(g.gamma_star) ? nlohmann::json() : nlohmann::json(g.gamma_star)},
                                 {"ci_low", std::isnan(g.ci_low) ? nlohmann::json() : nlohmann::json(g.ci_low)},
                                 {"ci_high", std::isnan(g.ci_high) ? nlohmann::json() : nlohmann::json(g.ci_high)},
                                 {"gamma_c", g.gamma_c},
                                 {"simplex_midpoint", g.simplex_midpoint},
                                 {"annealed_midpoint", g.annealed_midpoint}});
  }
  return j;
}

std::string to_csv(const SelfAttentionResult& r) {
  std::ostringstream out;
  out << "n,gamma,beta,layer,trial,self_weight,self_weight_min,self_weight_max,entropy,mean_cosine\n";
  for (const auto& p : r.points)
    for (std::size_t t = 0; t < p.trials.size(); ++t)
      for (std::size_t l = 0; l < p.trials[t].size(); ++l) {
        const LayerStats& s = p.trials[t][l];
        out << fmt::format("{},{:.17g},{:.17g},{},{},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g}\n", p.n, p.gamma, p.beta,
                           l + 1, t, s.self_weight, s.self_min, s.self_max, s.entropy, s.mean_cosine);
      }
  return out.str();
}

std::string to_table(const SelfAttentionResult& r) {
  const SelfAttentionConfig& c = r.config;
  std::string s = fmt::format(
      "attnlim self-attention: d={} rho={} tokens={} layers={} trials={} backend={} ({}), {:.1f} s; gamma_c = 1/(1-rho) = {:.4g}\n",
      c.d, c.rho, token_layout_name(c.tokens), c.layers, c.trials, r.backend, r.device, r.seconds,
      theory::simplex_gamma_c(c.rho));
  s += fmt::format("{:>10} {:>8} {:>6} {:>24} {:>22} {:>24} {:>14} {:>14}\n", "n", "gamma", "layer", "self weight",
                   "entropy", "mean cosine", "simplex p", "simplex rho'");
  for (const auto& p : r.points)
    for (int layer = 0; layer < c.layers; ++layer) {
      Moments w, h, cos;
      for (const auto& t : p.trials) {
        w.add(t[layer].self_weight);
        h.add(t[layer].entropy);
        cos.add(t[layer].mean_cosine);
      }
      const double n = static_cast<double>(p.n);
      s += fmt::format("{:>10} {:>8.4g} {:>6} {:>24} {:>22} {:>24} {:>14} {:>14}\n", p.n, p.gamma, layer + 1,
                       fmt::format("{:.6g} ± {:.2g}", w.mean, w.stderr_of_mean()),
                       fmt::format("{:.5g} ± {:.2g}", h.mean, h.stderr_of_mean()),
                       fmt::format("{:.6g} ± {:.2g}", cos.mean, cos.stderr_of_mean()),
                       layer == 0 ? fmt::format("{:.6g}", theory::simplex_self_weight(n, p.gamma, c.rho)) : "",
                       layer == 0 ? fmt::format("{:.6g}", theory::simplex_next_rho(n, p.gamma, c.rho)) : "");
    }
  for (const auto& g : r.gamma_stars)
    s += fmt::format("n = {}: gamma* = {} (one layer's mean cosine at (rho+1)/2); gamma_c = {:.4g}, simplex midpoint "
                     "{:.4g}, annealed (d = {}) {:.4g}\n",
                     g.n,
                     std::isnan(g.gamma_star) ? std::string("not crossed within the gamma list")
                                              : fmt::format("{:.4g} [{:.4g}, {:.4g}]", g.gamma_star, g.ci_low, g.ci_high),
                     g.gamma_c, g.simplex_midpoint, c.d, g.annealed_midpoint);
  return s;
}

}  // namespace attnlim
