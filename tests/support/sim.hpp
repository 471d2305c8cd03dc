// A flat description of one simulation for tests (what the pre-redesign SimConfig held), turned into the
// engine layer's RunSpec, WorkRange and EngineOptions, and helpers that run it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "attnlim/engine/cpu_blocks.hpp"
#include "attnlim/engine/engine.hpp"
#include "attnlim/engine/run_spec.hpp"
#include "attnlim/keys/registry.hpp"

namespace attnlim_test {

struct Sim {
  int d = 3;
  std::string keys = "uniform";  // a --keys SPEC
  std::uint64_t n = 100000;
  std::uint64_t trials = 100;
  std::uint64_t first_trial = 0;
  std::vector<double> betas;
  int top_k = 8;
  std::uint64_t seed = 1;
  bool output_vector = false;
  attnlim::SamplerTier sampler = attnlim::SamplerTier::full;
  int threads = 0;
  std::uint64_t chunk_keys = 1u << 16;

  int tangent_dim() const { return output_vector ? d - 1 : 0; }
  attnlim::RunSpec spec() const {
    attnlim::RunSpec s;
    s.keys = attnlim::parse_key_model(keys, d);
    s.tier = sampler;
    s.betas = betas;
    s.top_k = top_k;
    s.output_vector = output_vector;
    s.seed = seed;
    s.n = attnlim::KeyCount::exact(n);
    return s;
  }
  attnlim::WorkRange range() const { return attnlim::WorkRange::all_keys(spec(), trials, first_trial); }
  attnlim::EngineOptions options() const {
    attnlim::EngineOptions o;
    o.threads = threads;
    o.chunk_keys = chunk_keys;
    return o;
  }
};

inline std::vector<attnlim::TrialState> run_cpu(const Sim& c) {
  return attnlim::cpu::run_trials(c.spec(), c.range(), c.options());
}

}  // namespace attnlim_test

#include "attnlim/drivers/simulate.hpp"

namespace attnlim_test {

// The simulate driver on a CPU engine with the test's options (trial numbers from 0).
inline attnlim::SimulationResult simulate_cpu(const Sim& c, const attnlim::BetaScale& scale = {},
                                              std::vector<double> values = {}) {
  if (values.empty()) values = c.betas;
  auto engine = attnlim::make_engine(attnlim::EngineChoice::cpu, c.options());
  return attnlim::simulate(*engine, c.spec(), c.trials, scale, values);
}

}  // namespace attnlim_test
