// Self-attention, every token a query (THEORY.md section 9): n tokens on S^{d-1}, layers of
// y_i <- normalize(sum_j w_ij y_j), w_ij ∝ exp(beta <y_i, y_j>). Engines never hold an n x n matrix: queries
// in tiles, keys in tiles, an online softmax per query row (running max, sum, weighted sums).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "attnlim/engine/engine.hpp"

namespace attnlim {

enum class TokenLayout { random, simplex };

struct SelfAttentionSpec {
  int d = 64;
  std::uint64_t n = 1000;
  double rho = 0.5;      // pairwise inner product of the tokens (simplex) or its mean (random)
  double beta = 1.0;     // gamma log n
  int layers = 1;
  TokenLayout tokens = TokenLayout::random;
  std::uint64_t seed = 1;
};
constexpr std::uint64_t kMaxSelfAttentionTokens = std::uint64_t{1} << 31;
constexpr int kMaxLayers = 1000;
// InputError naming the field: d (2..kMaxDimension; simplex: >= n), n (2..2^31), rho ([0, 1)), beta (finite,
// >= 0), layers (1..1000), tokens.
void validate(const SelfAttentionSpec& spec);
TokenLayout parse_token_layout(const std::string& name);  // "random" | "simplex"; InputError naming `tokens`
const char* token_layout_name(TokenLayout layout);

// One trial's tokens, n x d row-major, unit norm. random: y_i = sqrt(rho) e_1 + sqrt(1-rho) z_i, z_i uniform on
// the unit sphere of e_1's complement from the key stream (seed, trial, key = i) (normals from Philox blocks);
// simplex: the exact simplex with pairwise rho in the first n coordinates (needs d >= n; no randomness).
std::vector<double> make_tokens(const SelfAttentionSpec& spec, std::uint32_t trial);
// (|sum y|^2 - n) / (n (n-1)): the mean pairwise cosine of unit tokens, in O(n d).
double mean_pairwise_cosine(const std::vector<double>& tokens, std::uint64_t n, int d);

// After one layer: the mean, min and max over tokens of the self weight w_ii, the mean row entropy
// -sum_j w_ij log w_ij, and the mean pairwise cosine of the new tokens.
struct LayerStats {
  double self_weight = 0, self_min = 0, self_max = 0, entropy = 0, mean_cosine = 0;
};

// One run of a batch: spec.layers layers on the tokens of (spec, trial).
struct SelfAttentionJob {
  SelfAttentionSpec spec;
  std::uint32_t trial = 0;
  double work() const { return static_cast<double>(spec.n) * static_cast<double>(spec.n) * spec.layers; }  // token pairs
};
// Called as jobs finish with the work done so far (token pairs x layers) in this batch.
using WorkDone = std::function<void(double work_done)>;

class SelfAttentionEngine {
 public:
  virtual ~SelfAttentionEngine() = default;
  virtual std::string name() const = 0;    // "cpu" | "cuda"
  virtual std::string device() const = 0;
  // Runs spec.layers layers on one trial's tokens (make_tokens) and returns the stats after each.
  virtual std::vector<LayerStats> run(const SelfAttentionSpec& spec, std::uint32_t trial) = 0;
  // The stats of every job, in order (engine/mpi.hpp's engine spreads the jobs over MPI ranks). Checks for a
  // stop request between jobs (and within them).
  virtual std::vector<std::vector<LayerStats>> run_jobs(const std::vector<SelfAttentionJob>& jobs,
                                                        const WorkDone& progress = {});
};

struct SelfAttentionOptions {
  int threads = 0;          // CPU threads (0: OpenMP's default)
  int query_tile = 64;      // CPU: query rows per tile
  int key_tile = 256;       // CPU: key rows per tile (results depend on the tiles only through rounding)
};
// cpu: double precision, OpenBLAS for the tile products where built with it; cuda: a fused tiled kernel,
// FP32 products with the softmax statistics in FP64 (cuda/self_attention/kernel.cu). InputError naming `backend`
// where the choice cannot run here.
std::unique_ptr<SelfAttentionEngine> make_self_attention_engine(EngineChoice choice, const SelfAttentionOptions& options = {});

namespace cuda {
// The CUDA engine's layers (cuda/self_attention/kernel.cu; DeviceError without a device or without the backend).
std::vector<LayerStats> self_attention_layers(const SelfAttentionSpec& spec, std::vector<double> tokens);
}  // namespace cuda

}  // namespace attnlim
