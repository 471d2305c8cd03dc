// Self-attention's spec and tokens (engine/self_attention.hpp): in the engine's data library, so the CUDA
// backend draws the same tokens and checks the same limits.
#include <cmath>
#include <cstdint>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/core/key_stream.hpp"
#include "attnlim/core/variates.hpp"
#include "attnlim/engine/run_spec.hpp"
#include "attnlim/engine/self_attention.hpp"

namespace attnlim {

void validate(const SelfAttentionSpec& s) {
  if (s.d < 2 || s.d > kMaxDimension)
    throw InputError("d", fmt::format("must be between 2 and {} (got {})", kMaxDimension, s.d));
  if (s.n < 2 || s.n > kMaxSelfAttentionTokens)
    throw InputError("n", fmt::format("every n must be between 2 and {} (got {})", kMaxSelfAttentionTokens, s.n));
  if (!(s.rho >= 0.0 && s.rho < 1.0)) throw InputError("rho", fmt::format("must be in [0, 1) (got {})", s.rho));
  if (!(s.beta >= 0.0) || !std::isfinite(s.beta)) throw InputError("gamma", fmt::format("must be finite and >= 0 (beta = {})", s.beta));
  if (s.layers < 1 || s.layers > kMaxLayers)
    throw InputError("layers", fmt::format("must be between 1 and {} (got {})", kMaxLayers, s.layers));
  if (s.tokens == TokenLayout::simplex && static_cast<std::uint64_t>(s.d) < s.n)
    throw InputError("tokens", fmt::format("the simplex of n = {} tokens needs d >= n (got d = {})", s.n, s.d));
}

TokenLayout parse_token_layout(const std::string& name) {
  if (name == "random") return TokenLayout::random;
  if (name == "simplex") return TokenLayout::simplex;
  throw InputError("tokens", "unknown token layout '" + name + "' (expected random or simplex)");
}

const char* token_layout_name(TokenLayout layout) { return layout == TokenLayout::simplex ? "simplex" : "random"; }

std::vector<double> make_tokens(const SelfAttentionSpec& s, std::uint32_t trial) {
  validate(s);
  const std::uint64_t n = s.n;
  const int d = s.d;
  std::vector<double> y(n * d, 0.0);
  if (s.tokens == TokenLayout::simplex) {
    // u = (1,...,1)/sqrt(n) and v_i = (e_i - 1/n) / |e_i - 1/n| (pairwise -1/(n-1)) in the first n coordinates;
    // y_i = sqrt(r') u + sqrt(1-r') v_i with r' = (rho (n-1) + 1) / n gives <y_i, y_j> = rho.
    const double nn = static_cast<double>(n), rp = (s.rho * (nn - 1.0) + 1.0) / nn;
    const double shared = std::sqrt(rp / nn), own = std::sqrt(1.0 - rp) / std::sqrt((nn - 1.0) / nn);
    for (std::uint64_t i = 0; i < n; ++i)
      for (std::uint64_t k = 0; k < n; ++k) y[i * d + k] = shared + own * ((i == k ? 1.0 : 0.0) - 1.0 / nn);
    return y;
  }
  const double a = std::sqrt(s.rho), b = std::sqrt(1.0 - s.rho);
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(n); ++i) {
    double* row = y.data() + static_cast<std::size_t>(i) * d;
    const KeyStream stream{s.seed, trial, static_cast<std::uint64_t>(i)};
    double norm2 = 0.0;
    for (int k = 1; k < d; k += 4) {
      double z[4];
      normals4(stream.block(static_cast<std::uint32_t>((k - 1) / 4)), z);
      for (int j = 0; j < 4 && k + j < d; ++j) {
        row[k + j] = z[j];
        norm2 += z[j] * z[j];
      }
    }
    const double scale = b / std::sqrt(norm2);
    for (int k = 1; k < d; ++k) row[k] *= scale;
    row[0] = a;
  }
  return y;
}

double mean_pairwise_cosine(const std::vector<double>& y, std::uint64_t n, int d) {
  std::vector<double> sum(d, 0.0);
  for (std::uint64_t i = 0; i < n; ++i)
    for (int k = 0; k < d; ++k) sum[k] += y[i * d + k];
  double s2 = 0.0;
  for (double v : sum) s2 += v * v;
  const double nn = static_cast<double>(n);
  return (s2 - nn) / (nn * (nn - 1.0));
}

}  // namespace attnlim
