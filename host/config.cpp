#include "attnlim/config.hpp"

#include <cmath>

#include <fmt/core.h>

#include "attnlim/common.hpp"
#include "attnlim/errors.hpp"

namespace attnlim {

const char* sampler_name(SamplerTier tier) { return tier == SamplerTier::full ? "full" : "projected"; }

void validate(const SimConfig& c) {
  if (c.d < 2) throw InputError(fmt::format("--d: must be at least 2 (got {})", c.d));
  if (c.d > 65536) throw InputError(fmt::format("--d: at most 65536 is supported (got {})", c.d));
  if (c.n < 1) throw InputError("--n: must be at least 1 (got 0)");
  if (c.trials < 1) throw InputError("--trials: must be at least 1 (got 0)");
  if (c.first_trial + c.trials > (std::uint64_t{1} << 32))
    throw InputError("--trials: trial numbers must fit in 32 bits");
  if (c.top_k < 0 || c.top_k > kMaxTopK)
    throw InputError(fmt::format("--top-k: must be between 0 and {} (got {})", kMaxTopK, c.top_k));
  if (static_cast<std::uint64_t>(c.top_k) > c.n)
    throw InputError(fmt::format("--top-k: must not exceed --n (got k = {} > n = {})", c.top_k, c.n));
  if (c.betas.empty()) throw InputError("--beta: the list is empty");
  if (c.betas.size() > static_cast<std::size_t>(kMaxBetas))
    throw InputError(fmt::format("--beta: at most {} values per pass (got {})", kMaxBetas, c.betas.size()));
  for (double b : c.betas) {
    if (!std::isfinite(b)) throw InputError(fmt::format("--beta: every value must be finite (got {})", b));
    if (b < 0) throw InputError(fmt::format("--beta: every value must be >= 0 (got {})", b));
  }
  if (c.output_vector && c.sampler == SamplerTier::projected)
    throw InputError("--sampler: projected keys carry no direction; use --sampler full with --output-vector");
  if (c.chunk_keys < 1) throw InputError("--chunk: must be at least 1");
  if (c.threads < 0) throw InputError(fmt::format("--threads: must be >= 0 (got {})", c.threads));
}

}  // namespace attnlim
