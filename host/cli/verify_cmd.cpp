// attnlim verify: the main job. Measures beta*(n) for several d, fits the exponent, compares it and
// the prefactor with THEORY.md, and writes the data behind the figures (scripts/figures.py).
#include <cmath>
#include <memory>

#include <filesystem>

#include <fmt/core.h>
#include <fmt/format.h>

#include "attnlim/critical.hpp"
#include "attnlim/cuda_backend.hpp"
#include "attnlim/errors.hpp"
#include "attnlim/io.hpp"
#include "attnlim/theory.hpp"
#include "commands.hpp"
#include "progress.hpp"

namespace attnlim::cli {

namespace {

// A projected-tier run of n keys at the given critical lambdas (beta = lambda (n c_d)^{2/(d-1)}).
SimulationResult run_at_lambdas(int d, std::uint64_t n, std::uint64_t trials, std::uint64_t seed,
                                const std::vector<double>& lambdas, BackendChoice backend, int threads) {
  SimConfig c;
  c.d = d;
  c.n = n;
  c.trials = trials;
  c.top_k = 1;
  c.seed = seed;
  c.threads = threads;
  c.sampler = SamplerTier::projected;
  BetaScale scale;
  scale.kind = BetaScale::critical;
  for (double l : lambdas) c.betas.push_back(absolute_beta(scale, l, d, static_cast<double>(n)));
  return simulate(c, backend, scale, lambdas);
}

// Mean w_max and ipr against lambda for several n (the data collapse), with the limit curves.
nlohmann::json collapse_data(int d, const std::vector<std::uint64_t>& ns, std::uint64_t trials, std::uint64_t seed,
                             BackendChoice backend, int threads) {
  const double a = theory::local_exponent(d);
  std::vector<double> lambdas;
  for (int i = 0; i < 24; ++i) lambdas.push_back(0.05 * std::pow(400.0, i / 23.0));  // 0.05 .. 20
  nlohmann::json out = {{"d", d}, {"lambda", lambdas}, {"series", nlohmann::json::array()}};
  std::vector<double> ipr_limit, wmax_limit, wmax_limit_se;
  for (double l : lambdas) {
    ipr_limit.push_back(theory::critical_ipr(a, l));
    theory::CriticalSamplerOptions opt;
    opt.trials = 4000;
    const auto s = theory::sample_critical(a, l, opt);
    wmax_limit.push_back(s.w_max);
    wmax_limit_se.push_back(s.w_max_stderr);
  }
  out["limit"] = {{"ipr", ipr_limit}, {"w_max", wmax_limit}, {"w_max_stderr", wmax_limit_se}};
  for (auto n : ns) {
    const SimulationResult r = run_at_lambdas(d, n, trials, point_seed(seed ^ 0xc011a95e, d, n), lambdas, backend, threads);
    nlohmann::json series = {{"n", n}};
    for (int obs : {w_max, ipr}) {
      std::vector<double> mean, se;
      for (std::size_t b = 0; b < lambdas.size(); ++b) {
        const Summary s = r.summary(static_cast<int>(b), obs);
        mean.push_back(s.moments.mean);
        se.push_back(s.moments.stderr_of_mean());
      }
      series[kObservableNames[obs]] = {{"mean", mean}, {"stderr", se}};
    }
    out["series"].push_back(series);
  }
  return out;
}

// Per-trial w_max at one critical lambda against draws of the limit law.
nlohmann::json histogram_data(int d, std::uint64_t n, double lambda, std::uint64_t trials, std::uint64_t seed,
                              BackendChoice backend, int threads) {
  const SimulationResult r = run_at_lambdas(d, n, trials, point_seed(seed ^ 0x4157, d, n), {lambda}, backend, threads);
  std::vector<double> limit;
  const double a = theory::local_exponent(d);
  for (std::uint32_t t = 0; t < 4 * trials; ++t) limit.push_back(theory::sample_critical_weights(a, lambda, seed, t, 1)[0]);
  return {{"d", d}, {"n", n}, {"lambda", lambda}, {"simulated", r.values[0][w_max]}, {"limit", limit}};
}

}  // namespace

void register_verify(CLI::App& app) {
  struct Options {
    std::vector<int> ds = {3, 4, 5, 6};
    CriticalConfig c;
    double n_min = 1000, n_max = 0;
    std::string backend = "auto", sampler = "auto", out = "out/verify";
    bool figures = true;
  };
  auto o = std::make_shared<Options>();
  o->c.trials = 800;  // ~5 minutes for d = 3..6 on 2 cores; exponent intervals about +-2.5%
  o->c.n_points = 6;
  CLI::App* sub = app.add_subcommand(
      "verify", "the main job: beta*(n) and its exponent for several d against 2/(d-1), with the figures' data");
  sub->add_option("--d", o->ds, "comma-separated dimensions")->delimiter(',')->capture_default_str();
  add_critical_options(sub, o->c, o->n_min, o->n_max, o->backend, o->sampler);
  sub->add_option("--out", o->out, "folder for critical_d<d>.json, summary.json and figures.json")->capture_default_str();
  sub->add_flag("!--no-figures", o->figures, "skip the data for the figures");
  sub->callback([o] {
    CriticalConfig base = o->c;
    base.backend = parse_backend(o->backend);
    base.sampler = parse_sampler(o->sampler, false);
    std::string why;
    const bool gpu = base.backend != BackendChoice::cpu && cuda::available(&why);
    // Larger n where a GPU carries the work; about 10 minutes on 2 CPU cores otherwise.
    base.n_min = count_from_double("--n-min", o->n_min);
    base.n_max = count_from_double("--n-max", o->n_max > 0 ? o->n_max : (gpu ? 1e8 : 1e6));
    if (o->ds.empty()) throw InputError("--d: the list is empty");
    for (int d : o->ds) {
      base.d = d;
      validate(base);
    }
    std::error_code ec;
    std::filesystem::create_directories(o->out, ec);
    check_output_path("--out", o->out + "/summary.json");
    fmt::print("attnlim verify: d = {}, n from {} to {} ({} points), {} trials each, backend {}\n",
               fmt::join(o->ds, ","), base.n_min, base.n_max, base.n_points, base.trials,
               gpu ? "cuda" : "cpu (" + why + ")");
    nlohmann::json summary = nlohmann::json::array();
    std::string table = fmt::format("{:>3} {:>10} {:>28} {:>8} {:>30} {:>30} {:>15}\n", "d", "predicted",
                                    "measured exponent [95% CI]", "rel.err", "prefactor meas/pred [95% CI]",
                                    "at pred. exponent [95% CI]", "regime");
    for (int d : o->ds) {
      CriticalConfig c = base;
      c.d = d;
      const CriticalResult r = run_critical(c, stderr_progress("verify "));
      end_progress_line();
      const nlohmann::json j = to_json(r);
      write_file_atomic(fmt::format("{}/critical_d{}.json", o->out, d), j.dump(2) + "\n");
      const double ratio = std::exp(r.fit.intercept) / r.predicted_prefactor;
      const double p = r.predicted_prefactor;
      table += fmt::format("{:>3} {:>10.4f} {:>28} {:>7.1f}% {:>30} {:>30} {:>15}\n", d, r.predicted_exponent,
                           fmt::format("{:.4f} [{:.4f}, {:.4f}]", r.fit.slope, r.fit.slope_ci_low, r.fit.slope_ci_high),
                           100 * (r.fit.slope / r.predicted_exponent - 1),
                           fmt::format("{:.3f} [{:.3f}, {:.3f}]", ratio,
                                       std::exp(r.fit.intercept_ci_low) / r.predicted_prefactor,
                                       std::exp(r.fit.intercept_ci_high) / r.predicted_prefactor),
                           fmt::format("{:.3f} [{:.3f}, {:.3f}]", r.fixed_prefactor / p, r.fixed_prefactor_ci_low / p,
                                       r.fixed_prefactor_ci_high / p),
                           r.regime);
      summary.push_back({{"d", d},
                         {"predicted_exponent", r.predicted_exponent},
                         {"exponent", j["exponent"]},
                         {"prefactor", j["prefactor"]},
                         {"predicted_prefactor", r.predicted_prefactor},
                         {"prefactor_ratio", ratio},
                         {"prefactor_at_predicted_exponent", j["prefactor_at_predicted_exponent"]},
                         {"regime", r.regime},
                         {"seconds", r.seconds}});
      fmt::print("d={} done in {:.1f} s: exponent {:.4f} vs {:.4f}\n", d, r.seconds, r.fit.slope, r.predicted_exponent);
    }
    fmt::print("\n{}", table);
    write_file_atomic(o->out + "/summary.json", summary.dump(2) + "\n");
    if (o->figures) {
      const int d = o->ds.front();
      nlohmann::json fig;
      fig["collapse"] = collapse_data(d, {100, 1000, 10000, 100000}, 400, base.seed, base.backend, base.threads);
      fig["histogram"] = histogram_data(d, 10000, 1.0, 4000, base.seed, base.backend, base.threads);
      write_file_atomic(o->out + "/figures.json", fig.dump() + "\n");
      fmt::print("figure data in {}/figures.json; draw with: python3 scripts/figures.py {}\n", o->out, o->out);
    }
  });
}

}  // namespace attnlim::cli
