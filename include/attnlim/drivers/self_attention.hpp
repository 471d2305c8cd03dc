// The self-attention driver (attnlim self-attention): for each n and gamma, trials of `layers` layers on fresh
// tokens, aggregated per layer; --find-gamma: where one layer's mean cosine crosses the midpoint between rho
// and 1, with a bootstrap interval, against gamma_c = 1/(1-rho) and the simplex and annealed predictions.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnlim/engine/self_attention.hpp"
#include "attnlim/io/progress.hpp"

namespace attnlim {

struct SelfAttentionConfig {
  std::vector<std::uint64_t> ns = {1000};
  int d = 64;
  double rho = 0.5;
  std::vector<double> gammas = {1.0};
  int layers = 1;
  std::uint64_t trials = 10;
  TokenLayout tokens = TokenLayout::random;
  std::uint64_t seed = 1;
  bool find_gamma = false;
  int resamples = 400;
};
// InputError naming the field (n, d, rho, gamma, layers, trials, tokens, find_gamma).
void validate(const SelfAttentionConfig& config);

struct SelfAttentionPoint {
  std::uint64_t n = 0;
  double gamma = 0, beta = 0;
  std::vector<std::vector<LayerStats>> trials;  // [trial][layer]
};

struct GammaStar {
  std::uint64_t n = 0;
  double gamma_star = 0, ci_low = 0, ci_high = 0;  // NaN where the mean cosine does not cross in the list
  double gamma_c = 0, simplex_midpoint = 0, annealed_midpoint = 0;
};

struct SelfAttentionResult {
  SelfAttentionConfig config;
  std::string backend, device;
  double seconds = 0;
  std::vector<SelfAttentionPoint> points;  // n-major, then gamma
  std::vector<GammaStar> gamma_stars;      // --find-gamma: one per n
};

SelfAttentionResult run_self_attention(SelfAttentionEngine& engine, const SelfAttentionConfig& config,
                                       const ProgressCallback& progress = {});

nlohmann::json to_json(const SelfAttentionResult& result);
std::string to_csv(const SelfAttentionResult& result);
std::string to_table(const SelfAttentionResult& result);

}  // namespace attnlim
