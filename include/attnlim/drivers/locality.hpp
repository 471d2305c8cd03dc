// The locality experiment (THEORY.md section 7, the first paper's central claim): the critical scale is set
// by the local exponent a' of the distance law at q, not by the keys' global shape. critical runs for key
// models that are globally very different but share a' (uniform, a vMF centred away from q, a mixture with
// 90% of its mass in a far cluster) and for models that look uniform near q but do not share it (a
// subsphere, a density vanishing at q); each measured exponent against 1/a', and the prefactor against
// lambda* c^{1/a'} where only c feels rho(q).
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnlim/drivers/critical.hpp"
#include "attnlim/engine/engine.hpp"
#include "attnlim/io/progress.hpp"

namespace attnlim {

struct LocalityCase {
  std::string label;   // "vMF away from q"
  std::string keys;    // its --keys SPEC
  bool same_exponent;  // shares uniform keys' a' = (d-1)/2 (then its prefactor is compared too)
};
// The five cases of the claim at dimension d (d >= 3).
std::vector<LocalityCase> locality_cases(int d);

struct LocalityRow {
  LocalityCase model;
  CriticalResult result;
  double local_exponent = 0, log_local_constant = 0;
  bool exponent_covered = false;   // 1/a' inside the fitted exponent's 95% interval
  bool prefactor_covered = false;  // lambda* c^{1/a'} inside the fixed-exponent prefactor's interval
};

// critical for each case with `base` (its d, n range, trials, seed; keys and sampler set per case).
std::vector<LocalityRow> run_locality(Engine& engine, const CriticalConfig& base, const std::vector<LocalityCase>& cases,
                                      const ProgressCallback& progress = {});

nlohmann::json locality_json(const std::vector<LocalityRow>& rows);
std::string locality_table(const std::vector<LocalityRow>& rows);

}  // namespace attnlim
