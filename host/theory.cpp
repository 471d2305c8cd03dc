// Local laws, the exact distance CDF, vMF and log n predictions (THEORY.md sections 1, 2, 4, 5).
#include "attnlim/theory.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/tools/roots.hpp>

namespace attnlim::theory {
namespace {

void require_dimension(int d, const char* what) {
  if (d < 2) throw std::domain_error(std::string(what) + ": dimension d must be at least 2 (got " + std::to_string(d) + ")");
}

double log_beta(double p, double q) {
  return boost::math::lgamma(p) + boost::math::lgamma(q) - boost::math::lgamma(p + q);
}

// log I_x(p, q) from log x, for small I (x <= 1/2 here): the leading term x^p (1-x)^q / (p B(p,q))
// times the convergent series 2F1(p+q, 1; p+1; x) = sum_k (p+q)_k / (p+1)_k x^k (DLMF 8.17.8).
// Used where I_x underflows a double, so every factor stays in logs.
double log_ibeta_small(double p, double q, double log_x) {
  const double x = std::exp(log_x);
  double term = 1.0, sum = 1.0;
  for (int k = 0; k < 100000; ++k) {
    term *= (p + q + k) / (p + 1.0 + k) * x;
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return p * log_x + q * std::log1p(-x) - std::log(p) - log_beta(p, q) + std::log(sum);
}

// Below this, ibeta is computed in log space (the smallest normal double is 2.2e-308).
constexpr double kTinyProbability = 1e-280;

double log_cdf_from_log_half_distance(double a, double log_x) {
  if (log_x >= std::log(0.5)) return std::log(boost::math::ibeta(a, a, std::exp(log_x)));
  if (log_x > -700.0) {
    const double p = boost::math::ibeta(a, a, std::exp(log_x));
    if (p > kTinyProbability) return std::log(p);
  }
  return log_ibeta_small(a, a, log_x);
}

}  // namespace

double local_exponent(int d) {
  require_dimension(d, "local_exponent");
  return 0.5 * (d - 1);
}

double log_c_d(int d) {
  const double a = local_exponent(d);
  return a * std::log(2.0) - std::log(d - 1.0) - log_beta(0.5, a);
}

double c_d(int d) {
  const double log_c = log_c_d(d);
  if (log_c > std::log(std::numeric_limits<double>::max()))
    throw std::overflow_error("c_d: overflows a double for d = " + std::to_string(d) + "; use log_c_d");
  // Small d: the direct formula is exact to an ulp, the log route loses a few.
  if (d <= 1000) {
    const double a = local_exponent(d);
    return std::pow(2.0, a) / ((d - 1) * boost::math::beta(0.5, a));
  }
  return std::exp(log_c);
}

double critical_scale(int d, double n) { return critical_scale(uniform_law(d), n); }

LocalLaw uniform_law(int d) { return LocalLaw{local_exponent(d), log_c_d(d)}; }

LocalLaw subsphere_law(int m) {
  if (m < 2) throw std::domain_error("subsphere_law: subsphere dimension m must be at least 2 (got " + std::to_string(m) + ")");
  return uniform_law(m);
}

LocalLaw power_density_law(int d, double gamma) {
  require_dimension(d, "power_density_law");
  if (!(gamma > -(d - 1.0)))
    throw std::domain_error("power_density_law: gamma must be > -(d-1) for an integrable density (got " +
                            std::to_string(gamma) + ")");
  const double a = local_exponent(d);
  const double a_local = a + 0.5 * gamma;
  // P(E <= s) = I_{s/2}(a', a) ~ (s/2)^{a'} / (a' B(a', a)).
  return LocalLaw{a_local, -a_local * std::log(2.0) - std::log(a_local) - log_beta(a_local, a)};
}

double critical_scale(const LocalLaw& law, double n) {
  if (!(n > 0)) throw std::domain_error("critical_scale: n must be > 0 (got " + std::to_string(n) + ")");
  if (!(law.a > 0)) throw std::domain_error("critical_scale: local exponent a must be > 0");
  return std::exp((std::log(n) + law.log_c) / law.a);
}

double critical_beta(const LocalLaw& law, double n, double lambda) {
  if (!(lambda > 0)) throw std::domain_error("critical_beta: lambda must be > 0 (got " + std::to_string(lambda) + ")");
  return lambda * critical_scale(law, n);
}

double critical_beta(int d, double n, double lambda) { return critical_beta(uniform_law(d), n, lambda); }

// --- exact distance law ---------------------------------------------------------------------

namespace {
void require_distance(double s, const char* what) {
  if (!(s >= 0.0 && s <= 2.0)) throw std::domain_error(std::string(what) + ": distance s must be in [0, 2] (got " + std::to_string(s) + ")");
}
}  // namespace

double distance_cdf(int d, double s) {
  const double a = local_exponent(d);
  require_distance(s, "distance_cdf");
  return boost::math::ibeta(a, a, 0.5 * s);
}

double log_distance_cdf(int d, double s) {
  const double a = local_exponent(d);
  require_distance(s, "log_distance_cdf");
  if (s == 0.0) return -std::numeric_limits<double>::infinity();
  return log_cdf_from_log_half_distance(a, std::log(0.5 * s));
}

double log_distance_sf(int d, double s) {
  const double a = local_exponent(d);
  require_distance(s, "log_distance_sf");
  if (s == 2.0) return -std::numeric_limits<double>::infinity();
  // Symmetry of Beta(a, a): P(E > s) = P(E < 2 - s).
  return log_cdf_from_log_half_distance(a, std::log(1.0 - 0.5 * s));
}

double log_distance_quantile_log(int d, double log_p) {
  const double a = local_exponent(d);
  if (!(log_p <= 0.0)) throw std::domain_error("distance_quantile_log: log_p must be <= 0 (got " + std::to_string(log_p) + ")");
  if (log_p == -std::numeric_limits<double>::infinity()) return log_p;
  if (log_p > std::log(kTinyProbability)) return std::log(2.0 * boost::math::ibeta_inv(a, a, std::exp(log_p)));
  // Tiny probability: solve log I_x(a, a) = log_p for t = log x, starting from the power law
  // log I ~ a t - log a - log B(a, a); log I is increasing in t.
  const auto f = [&](double t) { return log_cdf_from_log_half_distance(a, t) - log_p; };
  const double guess = (log_p + std::log(a) + log_beta(a, a)) / a;
  double lo = guess - 1.0, hi = std::min(guess + 1.0, std::log(0.5));
  while (f(lo) > 0) lo -= 2.0 * (hi - lo);
  while (f(hi) < 0) hi = std::min(std::log(0.5), hi + 1.0);
  boost::math::tools::eps_tolerance<double> tol(52);
  std::uintmax_t iterations = 200;
  const auto root = boost::math::tools::toms748_solve(f, lo, hi, tol, iterations);
  return 0.5 * (root.first + root.second) + std::log(2.0);
}

double distance_quantile_log(int d, double log_p) { return std::exp(log_distance_quantile_log(d, log_p)); }

double distance_quantile(int d, double p) {
  const double a = local_exponent(d);
  if (!(p >= 0.0 && p <= 1.0)) throw std::domain_error("distance_quantile: p must be in [0, 1] (got " + std::to_string(p) + ")");
  if (p > kTinyProbability || p == 0.0) return 2.0 * boost::math::ibeta_inv(a, a, p);
  return distance_quantile_log(d, std::log(p));
}

double log_tilted_keys(int d, double beta, double n) {
  if (!(n > 0)) throw std::domain_error("log_tilted_keys: n must be > 0 (got " + std::to_string(n) + ")");
  return std::log(n) + log_distance_cdf(d, bias(d, 2.0 * beta));
}

// --- section 4: vMF keys and the heat equation ------------------------------------------------

namespace {
double dot(const std::vector<double>& u, const std::vector<double>& v) {
  double s = 0.0;
  for (std::size_t i = 0; i < u.size(); ++i) s += u[i] * v[i];
  return s;
}
void require_same_size(const std::vector<double>& q, const std::vector<double>& mu, const char* what) {
  if (q.empty() || q.size() != mu.size())
    throw std::domain_error(std::string(what) + ": q and mu must be non-empty vectors of the same length");
}
}  // namespace

std::vector<double> vmf_output(int d, double beta, const std::vector<double>& q, double kappa,
                               const std::vector<double>& mu) {
  require_same_size(q, mu, "vmf_output");
  if (static_cast<int>(q.size()) != d) throw std::domain_error("vmf_output: q and mu must have d components");
  if (!(beta >= 0)) throw std::domain_error("vmf_output: beta must be >= 0");
  if (!(kappa >= 0)) throw std::domain_error("vmf_output: kappa must be >= 0");
  // E[e^{<z, K>} K] / E[e^{<z, K>}] for uniform K is A_d(|z|) z/|z|; the vMF density only adds
  // kappa mu to the tilt z = beta q.
  std::vector<double> z(q.size());
  for (std::size_t i = 0; i < q.size(); ++i) z[i] = beta * q[i] + kappa * mu[i];
  const double norm = std::sqrt(dot(z, z));
  if (norm == 0.0) return std::vector<double>(q.size(), 0.0);
  const double scale = A_d(d, norm) / norm;
  for (double& zi : z) zi *= scale;
  return z;
}

std::vector<double> vmf_heat_drift(double beta, double kappa, const std::vector<double>& q,
                                   const std::vector<double>& mu) {
  require_same_size(q, mu, "vmf_heat_drift");
  if (!(beta > 0)) throw std::domain_error("vmf_heat_drift: beta must be > 0");
  // grad_S log rho = kappa times the tangential part of mu at q.
  const double along = dot(mu, q);
  std::vector<double> drift(q.size());
  for (std::size_t i = 0; i < q.size(); ++i) drift[i] = kappa * (mu[i] - along * q[i]) / beta;
  return drift;
}

double harmonic_growth(int l, int d, double beta) {
  require_dimension(d, "harmonic_growth");
  if (l < 0) throw std::domain_error("harmonic_growth: degree l must be >= 0");
  if (!(beta > 0)) throw std::domain_error("harmonic_growth: beta must be > 0");
  return 1.0 + static_cast<double>(l) * (l + d - 2.0) / beta;
}

// --- section 5: the log n model ----------------------------------------------------------------

double simplex_self_weight(double n, double gamma, double rho) {
  if (!(n >= 1)) throw std::domain_error("simplex_self_weight: n must be >= 1");
  if (!(rho < 1 && rho >= -1)) throw std::domain_error("simplex_self_weight: rho must be in [-1, 1)");
  if (n == 1) return 1.0;
  // (n-1) n^{-gamma(1-rho)} in logs so huge n does not overflow.
  const double log_others = std::log(n - 1.0) - gamma * (1.0 - rho) * std::log(n);
  return 1.0 / (1.0 + std::exp(log_others));
}

double simplex_gamma_c(double rho) {
  if (!(rho < 1 && rho >= -1)) throw std::domain_error("simplex_gamma_c: rho must be in [-1, 1)");
  return 1.0 / (1.0 - rho);
}

double gaussian_score_scale(int d, double n) {
  require_dimension(d, "gaussian_score_scale");
  if (!(n >= 1)) throw std::domain_error("gaussian_score_scale: n must be >= 1");
  return std::sqrt(2.0 * d * std::log(n));
}

}  // namespace attnlim::theory
