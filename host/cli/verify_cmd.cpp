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
    std::vector<std::string> ds = {"3,4,5,6"};
    CriticalOptions critical;
    std::string out = "out/verify";
    bool figures = true;
  };
  auto o = std::make_shared<Options>();
  o->critical.trials = "800";  // ~5 minutes for d = 3..6 on 2 cores; exponent intervals about +-2.5%
  o->critical.n_points = "6";
  o->critical.n_max = "0";
  CLI::App* sub = app.add_subcommand(
      "verify", "the main job: beta*(n) and its exponent for several d against 2/(d-1), with the figures' data");
  add_list_option(sub, "--d", o->ds, "comma-separated distinct dimensions", "LIST");
  add_critical_options(sub, o->critical, "largest n (0 picks 1e6 on the CPU, 1e8 with a GPU)");
  sub->add_option("--out", o->out, "folder for critical_d<d>.json, summary.json and figures.json (created if missing)")
      ->type_name("FOLDER")
      ->capture_default_str();
  sub->add_flag("!--no-figures", o->figures, "skip the data for the figures");
  sub->callback([o] {
    // Everything is checked before anything is printed or created.
    const BackendChoice backend = parse_backend_option(o->critical.backend);
    std::string why;
    const bool gpu = backend != BackendChoice::cpu && cuda::available(&why);
    // Larger n where a GPU carries the work; about 10 minutes on 2 CPU cores otherwise.
    CriticalConfig base = parse_critical_options(o->critical, gpu ? 100000000 : 1000000);
    base.backend = backend;
    const std::vector<std::uint64_t> ds = parse_whole_list("--d", join_list(o->ds), 2, kMaxDimension);
    std::vector<std::string> files = {"summary.json"};
    for (auto d : ds) files.push_back(fmt::format("critical_d{}.json", d));
    if (o->figures) files.push_back("figures.json");
    check_output_folder("--out", o->out, files);
    for (auto d : ds) {
      base.d = static_cast<int>(d);
      validate(base);
    }
    std::error_code ec;
    std::filesystem::create_directories(o->out, ec);
    if (ec) throw std::runtime_error("cannot create the folder " + o->out + ": " + ec.message());
    fmt::print("attnlim verify: d = {}, n from {} to {} ({} points), {} trials each, backend {}\n",
               fmt::join(ds, ","), base.n_min, base.n_max, base.n_points, base.trials,
               gpu ? "cuda" : backend == BackendChoice::cpu ? "cpu" : "cpu (" + why + ")");
    nlohmann::json summary = nlohmann::json::array();
    std::string table = fmt::format("{:>3} {:>10} {:>28} {:>8} {:>30} {:>30} {:>15}\n", "d", "predicted",
                                    "measured exponent [95% CI]", "rel.err", "prefactor meas/pred [95% CI]",
                                    "at pred. exponent [95% CI]", "regime");
    for (auto d64 : ds) {
      const int d = static_cast<int>(d64);
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
      const int d = static_cast<int>(ds.front());
      nlohmann::json fig;
      fig["collapse"] = collapse_data(d, {100, 1000, 10000, 100000}, 400, base.seed, base.backend, base.threads);
      fig["histogram"] = histogram_data(d, 10000, 1.0, 4000, base.seed, base.backend, base.threads);
      write_file_atomic(o->out + "/figures.json", fig.dump() + "\n");
      fmt::print("figure data in {}/figures.json; draw with: /usr/bin/python3 scripts/figures.py {}\n", o->out, o->out);
    }
  });
}

}  // namespace attnlim::cli
