#include "attnlim/engine/run_spec.hpp"

#include <cmath>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"

namespace attnlim {

WorkRange WorkRange::all_keys(const RunSpec& spec, std::uint64_t trials, std::uint64_t first_trial) {
  WorkRange r;
  r.first_trial = first_trial;
  r.trials = trials;
  r.key_begin = 0;
  r.key_end = spec.n.is_exact() ? spec.n.count() : 0;
  return r;
}

void validate(const RunSpec& s) {
  const int d = s.d();
  if (d < 2) throw InputError("d", fmt::format("must be at least 2 (got {})", d));
  if (d > kMaxDimension) throw InputError("d", fmt::format("at most {} is supported (got {})", kMaxDimension, d));
  validate(s.keys);
  if (s.n.is_exact()) {
    if (s.n.count() < 1) throw InputError("n", "must be at least 1 (got 0)");
    if (s.n.count() > kMaxKeys)
      throw InputError("n", fmt::format("at most {} (2^63) is supported (got {})", kMaxKeys, s.n.count()));
  } else if (!(s.n.log() >= 0.0) || std::isinf(s.n.log())) {
    throw InputError("n", fmt::format("must be at least 1 and finite (got {})", s.n.text()));
  }
  if (s.top_k < 0 || s.top_k > kMaxTopK)
    throw InputError("top_k", fmt::format("must be between 0 and {} (got {})", kMaxTopK, s.top_k));
  if (s.n.is_exact() && static_cast<std::uint64_t>(s.top_k) > s.n.count())
    throw InputError("top_k",
                     fmt::format("must not exceed {} (got k = {} > n = {})", field_ref("n"), s.top_k, s.n.count()));
  if (s.betas.empty()) throw InputError("beta", "the list is empty");
  if (s.betas.size() > static_cast<std::size_t>(kMaxBetas))
    throw InputError("beta", fmt::format("at most {} values per pass (got {})", kMaxBetas, s.betas.size()));
  for (double b : s.betas) {
    if (!std::isfinite(b)) throw InputError("beta", fmt::format("every value must be finite (got {})", b));
    if (b < 0) throw InputError("beta", fmt::format("every value must be >= 0 (got {})", b));
  }
  if (!std::isfinite(s.log_beta_unit)) throw InputError("beta", "the unit of beta must be finite");
  if (!(s.bulk_tolerance > 0.0 && s.bulk_tolerance < 1.0))
    throw InputError("bulk_tolerance", fmt::format("must be in (0, 1) (got {})", s.bulk_tolerance));
  if (s.output_vector && s.tier == SamplerTier::projected)
    throw InputError("sampler", fmt::format("projected keys carry no direction; use {} full with {}",
                                            field_ref("sampler"), field_ref("output_vector")));
  std::string why;
  if (!supports_tier(s.keys, s.tier, &why)) throw InputError("keys", why);
}

double log_rescale(const RunSpec& s) {
  const theory::LocalLaw law = local_law(s.keys);
  return (s.n.log() + law.log_c) / law.a;
}

double log_beta(const RunSpec& s, int b) { return std::log(s.betas[b]) + s.log_beta_unit; }

std::vector<double> state_betas(const RunSpec& s, double log_distance_scale) {
  std::vector<double> out;
  for (std::size_t b = 0; b < s.betas.size(); ++b)
    out.push_back(s.log_beta_unit == log_distance_scale ? s.betas[b]  // bit for bit where the units agree
                                                         : s.betas[b] * std::exp(s.log_beta_unit - log_distance_scale));
  return out;
}

void validate(const RunSpec& s, const WorkRange& r) {
  validate(s);
  if (r.trials < 1) throw InputError("trials", "must be at least 1 (got 0)");
  if (r.first_trial > kMaxTrials || r.trials > kMaxTrials - r.first_trial)
    throw InputError("trials", fmt::format("trial numbers must fit in 32 bits (at most {} trials)", kMaxTrials));
  if (s.n.is_exact() && (r.key_begin >= r.key_end || r.key_end > s.n.count()))
    throw InputError("n", fmt::format("the key range [{}, {}) is not a non-empty part of [0, {})", r.key_begin,
                                      r.key_end, s.n.count()));
}

}  // namespace attnlim
