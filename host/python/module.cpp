// attnlim._attnlim: the Python front end's compiled half (host/python/attnlim/__init__.py is the other). It takes
// the same options as the command line, as text, through the same parsing and checks (host/cli/options.hpp), so
// a call and a command with the same options and seed give the same JSON. Runs release the GIL on a worker
// thread; the calling thread checks Python's signals every 0.1 s, and Ctrl-C stops the run (core/stop.hpp)
// within about a second and raises KeyboardInterrupt. Bad input raises ValueError with the library's message
// (field names as Python's keywords: "top_k: must be ...").
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "attnlim/core/errors.hpp"
#include "attnlim/core/stop.hpp"
#include "attnlim/drivers/critical.hpp"
#include "attnlim/drivers/simulate.hpp"
#include "attnlim/drivers/sweep.hpp"
#include "attnlim/engine/engine.hpp"
#include "attnlim/io/progress.hpp"
#include "attnlim/theory/theory.hpp"
#include "options.hpp"

namespace py = pybind11;
using namespace attnlim;

namespace {

// One run at a time in this process: the stop request (core/stop.hpp) is process-wide, so runs started from
// several Python threads take turns (each worker holds this while it runs).
std::mutex& run_lock() {
  static std::mutex lock;
  return lock;
}

// Runs `work` on a worker thread with the GIL released. The calling thread wakes every 0.1 s to let Python
// run its signal handlers: when one raises (KeyboardInterrupt), the run is asked to stop, unwinds, and the
// Python exception propagates. The worker's own exception (InputError, DeviceError) is rethrown here.
template <class Result>
Result run_interruptibly(std::function<Result()> work) {
  std::packaged_task<Result()> task([work = std::move(work)] {
    const std::lock_guard<std::mutex> hold(run_lock());
    clear_stop();  // a request left from an earlier, interrupted run
    return work();
  });
  std::future<Result> result = task.get_future();
  std::thread worker(std::move(task));
  for (;;) {
    bool ready = false;
    {
      py::gil_scoped_release release;
      ready = result.wait_for(std::chrono::milliseconds(100)) == std::future_status::ready;
    }
    if (ready) break;
    if (PyErr_CheckSignals() != 0) {
      request_stop(SIGINT);
      {
        py::gil_scoped_release release;
        worker.join();
      }
      clear_stop();
      throw py::error_already_set();
    }
  }
  worker.join();
  return result.get();
}

// run_interruptibly with the CLI's progress line on stderr (or none) for the run's ProgressCallback.
template <class Result>
Result run_with_progress(bool progress, const std::function<Result(const ProgressCallback&)>& run) {
  return run_interruptibly<Result>([&] {
    ProgressReporter reporter = stderr_reporter(!progress);
    Result out = run(reporter.callback());
    reporter.finish();
    return out;
  });
}

// The options dict (keyword -> text, or bool for flags) into a struct's text fields; every key was given.
template <class Options>
void fill(Options& o, const py::dict& given, const std::map<std::string, std::string Options::*>& text,
          const std::map<std::string, bool Options::*>& flags, const std::map<std::string, std::vector<std::string> Options::*>& lists) {
  for (const auto& item : given) {
    const std::string key = py::str(item.first);
    if (auto t = text.find(key); t != text.end()) {
      o.*(t->second) = py::str(item.second);
    } else if (auto f = flags.find(key); f != flags.end()) {
      o.*(f->second) = item.second.cast<bool>();
    } else if (auto l = lists.find(key); l != lists.end()) {
      o.*(l->second) = item.second.cast<std::vector<std::string>>();
    } else {
      throw py::type_error("unexpected option '" + key + "'");
    }
    o.given.insert(key);
  }
}

py::dict py_simulate(const py::dict& options, bool progress) {
  cli::SimulateOptions o;
  fill<cli::SimulateOptions>(
      o, options,
      {{"d", &cli::SimulateOptions::d}, {"n", &cli::SimulateOptions::n}, {"trials", &cli::SimulateOptions::trials},
       {"keys", &cli::SimulateOptions::keys}, {"beta_scale", &cli::SimulateOptions::beta_scale},
       {"top_k", &cli::SimulateOptions::top_k}, {"seed", &cli::SimulateOptions::seed},
       {"backend", &cli::SimulateOptions::backend}, {"sampler", &cli::SimulateOptions::sampler},
       {"threads", &cli::SimulateOptions::threads}, {"chunk", &cli::SimulateOptions::chunk},
       {"bulk_tolerance", &cli::SimulateOptions::bulk_tolerance}},
      {{"output_vector", &cli::SimulateOptions::output_vector}}, {{"beta", &cli::SimulateOptions::beta_values}});
  const cli::PreparedSimulate p = cli::prepare_simulate(o);
  const std::unique_ptr<Engine> engine = cli::make_rank_engine(p.choice, p.order, p.engine);
  if (auto refused = engine->refusal(p.spec)) throw *refused;
  const SimulationResult r = run_with_progress<SimulationResult>(progress, [&](const ProgressCallback& callback) {
    return simulate(*engine, p.spec, p.trials, p.scale, p.values, callback);
  });
  py::dict values;
  for (const Observable obs : r.observables()) {
    py::array_t<double> array({r.values.size(), static_cast<std::size_t>(r.trials)});
    auto view = array.mutable_unchecked<2>();
    const double unit = std::exp(r.log_unit(obs));
    for (std::size_t b = 0; b < r.values.size(); ++b)
      for (std::size_t t = 0; t < r.trials; ++t) view(b, t) = r.values[b][index_of(obs)][t] * unit;
    values[observable_name(obs)] = array;
  }
  py::dict out;
  out["json"] = to_json(r).dump(2) + "\n";
  out["values"] = values;
  return out;
}

std::string py_critical(const py::dict& options, bool progress) {
  struct WithD : cli::CriticalOptions {
    std::string d;
    cli::GivenFields given;
  } w;
  fill<WithD>(w, options,
              {{"d", &WithD::d}, {"n_min", &WithD::n_min}, {"n_max", &WithD::n_max}, {"n_points", &WithD::n_points},
               {"trials", &WithD::trials}, {"observable", &WithD::observable}, {"target", &WithD::target},
               {"grid_points", &WithD::grid_points}, {"bootstrap", &WithD::bootstrap}, {"seed", &WithD::seed},
               {"threads", &WithD::threads}, {"backend", &WithD::backend}, {"sampler", &WithD::sampler},
               {"keys", &WithD::keys}},
              {}, {});
  if (!w.given.count("d")) throw InputError("d", "is required");
  const CriticalConfig c = cli::prepare_critical(w, w.d);
  const std::unique_ptr<Engine> engine = cli::make_critical_engine(w, c);
  const CriticalResult r = run_with_progress<CriticalResult>(
      progress, [&](const ProgressCallback& callback) { return run_critical(*engine, c, callback); });
  return to_json(r).dump(2) + "\n";
}

py::dict py_sweep(const py::dict& options, bool progress) {
  cli::SweepOptions o;
  fill<cli::SweepOptions>(
      o, options,
      {{"n_min", &cli::SweepOptions::n_min}, {"n_max", &cli::SweepOptions::n_max},
       {"n_points", &cli::SweepOptions::n_points}, {"trials", &cli::SweepOptions::trials},
       {"seed", &cli::SweepOptions::seed}, {"top_k", &cli::SweepOptions::top_k},
       {"threads", &cli::SweepOptions::threads}, {"backend", &cli::SweepOptions::backend},
       {"sampler", &cli::SweepOptions::sampler}, {"out", &cli::SweepOptions::out}, {"keys", &cli::SweepOptions::keys},
       {"shard", &cli::SweepOptions::shard}},
      {{"store_trials", &cli::SweepOptions::store_trials}},
      {{"d", &cli::SweepOptions::ds}, {"n", &cli::SweepOptions::ns}, {"beta_spec", &cli::SweepOptions::specs}});
  const SweepConfig c = cli::prepare_sweep(o);
  const std::unique_ptr<Engine> engine = cli::make_cli_engine(cli::parse_backend_option(o.backend), o.threads);
  const SweepReport rep = run_with_progress<SweepReport>(
      progress, [&](const ProgressCallback& callback) { return run_sweep(*engine, c, callback); });
  py::dict out;
  out["jsonl"] = c.prefix() + ".jsonl";
  out["csv"] = c.prefix() + ".csv";
  out["points_total"] = rep.points_total;
  out["points_skipped"] = rep.points_skipped;
  out["points_run"] = rep.points_run;
  return out;
}

theory::CriticalObservable observable(const std::string& name) {
  if (name != "ipr" && name != "w_max" && name != "entropy")
    throw InputError("observable", "expected ipr, w_max or entropy (got '" + name + "')");
  return theory::parse_observable(name.c_str());
}

void bind_theory(py::module_& m) {
  m.doc() = "The closed-form predictions of THEORY.md (the theory layer; Boost.Math). a is a local exponent "
            "((d-1)/2 for uniform keys), lam a critical lambda.";
  m.def("local_exponent", &theory::local_exponent, py::arg("d"), "(d-1)/2: P(E <= s) ~ c_d s^a for uniform keys");
  m.def("c_d", &theory::c_d, py::arg("d"), "the constant of the uniform local law P(E <= s) ~ c_d s^((d-1)/2)");
  m.def("critical_scale", py::overload_cast<int, double>(&theory::critical_scale), py::arg("d"), py::arg("n"),
        "(n c_d)^(2/(d-1)): beta = lambda times this is the critical window");
  m.def("critical_beta", py::overload_cast<int, double, double>(&theory::critical_beta), py::arg("d"), py::arg("n"),
        py::arg("lam"), "lam (n c_d)^(2/(d-1))");
  m.def("critical_ipr", &theory::critical_ipr, py::arg("a"), py::arg("lam"), "E[sum W_k^2] of the critical law");
  m.def("critical_entropy", &theory::critical_entropy, py::arg("a"), py::arg("lam"), "E[-sum W_k log W_k] of the critical law");
  m.def(
      "lambda_star",
      [](double a, const std::string& name, double target) {
        return theory::critical_lambda_star(a, observable(name), target).lambda;
      },
      py::arg("a"), py::arg("observable") = "ipr", py::arg("target") = 0.5,
      "the lambda at which the critical law's mean observable (ipr, w_max or entropy) equals target");
  m.def(
      "critical_law",
      [](double a, double lam, std::uint64_t trials, std::uint64_t seed) {
        theory::CriticalSamplerOptions options;
        options.trials = trials;
        options.seed = seed;
        const theory::CriticalSample s = theory::sample_critical(a, lam, options);
        py::dict out;
        for (const auto& [name, value] : {std::pair<const char*, double>{"w_max", s.w_max}, {"w_max_stderr", s.w_max_stderr},
                                          {"ipr", s.ipr}, {"ipr_stderr", s.ipr_stderr}, {"entropy", s.entropy},
                                          {"entropy_stderr", s.entropy_stderr}})
          out[name] = value;
        return out;
      },
      py::arg("a"), py::arg("lam"), py::arg("trials") = 4000, py::arg("seed") = 0x5eed5eedULL,
      "means and standard errors of w_max, ipr and entropy under the critical law, from its exact sampler (a dict)");
  m.def("A_d", &theory::A_d, py::arg("d"), py::arg("beta"), "|O| in the n -> infinity limit (subcritical)");
  m.def("bias", &theory::bias, py::arg("d"), py::arg("beta"), "1 - A_d(beta)");
  m.def(
      "subcritical",
      [](int d, double beta, double n) {
        const theory::Subcritical s = theory::subcritical(d, beta, n);
        py::dict out;
        out["A"] = s.A;
        out["bias"] = s.bias;
        out["log_M"] = s.log_M;
        out["radial_variance"] = s.radial_variance;
        out["tangential_variance"] = s.tangential_variance;
        out["n_eff"] = s.n_eff;
        out["ipr"] = s.ipr;
        return out;
      },
      py::arg("d"), py::arg("beta"), py::arg("n"), "the subcritical limit and its Gaussian fluctuations (a dict)");
  m.def("harmonic_growth", &theory::harmonic_growth, py::arg("l"), py::arg("d"), py::arg("beta"),
        "the growth factor of a degree-l harmonic under one attention step (backward heat equation)");
  m.def("distance_cdf", &theory::distance_cdf, py::arg("d"), py::arg("s"), "P(1 - <q, k> <= s), k uniform on S^{d-1}");
  m.def("distance_quantile", &theory::distance_quantile, py::arg("d"), py::arg("p"), "the inverse of distance_cdf");
  m.def("simplex_gamma_c", &theory::simplex_gamma_c, py::arg("rho"), "1/(1-rho): the critical gamma of beta = gamma log n");
  m.def("simplex_self_weight", &theory::simplex_self_weight, py::arg("n"), py::arg("gamma"), py::arg("rho"),
        "the self weight of simplex tokens after one layer");
  m.def("annealed_self_weight", &theory::annealed_self_weight, py::arg("n"), py::arg("gamma"), py::arg("rho"),
        py::arg("d"), "the annealed self weight of random tokens after one layer");
}

}  // namespace

PYBIND11_MODULE(_attnlim, m) {
  m.doc() = "attnlim's compiled core; use the attnlim package";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InputError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const std::domain_error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const Interrupted&) {
      PyErr_SetString(PyExc_KeyboardInterrupt, "attnlim run interrupted");
    }
  });
  m.def("simulate", &py_simulate, py::arg("options"), py::arg("progress"));
  m.def("critical", &py_critical, py::arg("options"), py::arg("progress"));
  m.def("sweep", &py_sweep, py::arg("options"), py::arg("progress"));
  m.def("observable_names", [] {
    std::vector<std::string> names;
    for (int i = 0; i < kNumObservables; ++i) names.push_back(observable_name(static_cast<Observable>(i)));
    return names;
  });
  py::module_ theory_module = m.def_submodule("theory");
  bind_theory(theory_module);
}
