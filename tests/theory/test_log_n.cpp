// THEORY.md section 9: one layer of self-attention on simplex tokens, against a direct long-double
// computation on explicit tokens, and the midpoint gamma against gamma_c = 1/(1-rho).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "attnlim/theory/log_n.hpp"

namespace {

using namespace attnlim::theory;

// n simplex tokens in d = n dimensions with pairwise inner product rho: y_i = sqrt(r') u + sqrt(1-r') v_i with
// v_i the normalised e_i - 1/n (pairwise -1/(n-1)) and u = (1,...,1)/sqrt(n), r' = (rho (n-1) + 1)/n.
std::vector<std::vector<long double>> simplex_tokens(int n, long double rho) {
  const long double rp = (rho * (n - 1) + 1) / n, vnorm = std::sqrt((n - 1.0L) / n);
  std::vector<std::vector<long double>> y(n, std::vector<long double>(n));
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < n; ++k)
      y[i][k] = std::sqrt(rp) / std::sqrt(static_cast<long double>(n)) +
                std::sqrt(1 - rp) * ((i == k ? 1.0L : 0.0L) - 1.0L / n) / vnorm;
  return y;
}

TEST(LogNTheory, OneSimplexLayerMatchesExplicitTokens) {
  for (int n : {3, 10, 40})
    for (double rho : {0.0, 0.3, 0.8})
      for (double gamma : {0.2, 1.0, 2.5, 6.0}) {
        const auto y = simplex_tokens(n, rho);
        const long double beta = gamma * std::log(static_cast<long double>(n));
        std::vector<std::vector<long double>> out(n, std::vector<long double>(n, 0.0L));
        long double self = 0;
        for (int i = 0; i < n; ++i) {
          std::vector<long double> w(n);
          long double z = 0;
          for (int j = 0; j < n; ++j) {
            long double dot = 0;
            for (int k = 0; k < n; ++k) dot += y[i][k] * y[j][k];
            w[j] = std::exp(beta * dot);
            z += w[j];
          }
          self += w[i] / z / n;
          for (int j = 0; j < n; ++j)
            for (int k = 0; k < n; ++k) out[i][k] += w[j] / z * y[j][k];
          long double norm = 0;
          for (int k = 0; k < n; ++k) norm += out[i][k] * out[i][k];
          for (int k = 0; k < n; ++k) out[i][k] /= std::sqrt(norm);
        }
        long double next = 0;
        for (int k = 0; k < n; ++k) next += out[0][k] * out[1][k];
        EXPECT_NEAR(static_cast<double>(self), simplex_self_weight(n, gamma, rho), 1e-12) << n << " " << rho << " " << gamma;
        EXPECT_NEAR(static_cast<double>(next), simplex_next_rho(n, gamma, rho), 1e-12) << n << " " << rho << " " << gamma;
      }
}

// For rho > 0 the one-layer midpoint tends to gamma_c (the shared component rho S outweighs the token once
// (n-1) n^{-gamma(1-rho)} ~ 1); for rho = 0 to gamma_c / 2 (S has norm sqrt(n) only: p ~ n^{-1/2} suffices).
TEST(LogNTheory, MidpointGammaApproachesGammaC) {
  for (double rho : {0.0, 0.3, 0.5}) {
    const double gc = rho == 0.0 ? 0.5 * simplex_gamma_c(rho) : simplex_gamma_c(rho);
    double previous = 1e9;
    for (double n : {1e3, 1e6, 1e12, 1e100}) {
      const double g = simplex_midpoint_gamma(n, rho);
      EXPECT_NEAR(simplex_next_rho(n, g, rho), 0.5 * (1 + rho), 1e-10);
      EXPECT_LT(std::abs(g - gc), previous) << n;  // closer as n grows
      previous = std::abs(g - gc);
    }
    EXPECT_LT(previous, 0.03 * gc) << rho;
    // Finite d moves the annealed midpoint up; d -> infinity recovers the simplex.
    EXPECT_GT(annealed_midpoint_gamma(1e4, rho, 64), simplex_midpoint_gamma(1e4, rho));
    EXPECT_NEAR(annealed_midpoint_gamma(1e4, rho, 1000000000), simplex_midpoint_gamma(1e4, rho), 1e-6);
  }
}

}  // namespace
