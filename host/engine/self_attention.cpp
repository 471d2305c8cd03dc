// Self-attention on the CPU (double): query tiles in parallel, key tiles in order, an online softmax per row;
// the tile products through OpenBLAS where attnlim is built with it (one BLAS thread per OpenMP thread).
#include "attnlim/engine/self_attention.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/core.h>
#include <omp.h>

#include "attnlim/core/key_stream.hpp"
#include "attnlim/core/stop.hpp"
#include "attnlim/core/variates.hpp"
#include "attnlim/engine/cuda_runtime.hpp"

#if ATTNLIM_HAVE_OPENBLAS
#include <cblas.h>
extern "C" void openblas_set_num_threads(int);
#endif

namespace attnlim {

namespace {

// C (rows x cols, ldc) = alpha A (rows x inner, lda) B^T (B: cols x inner, ldb) + beta C.
void product_transposed(int rows, int cols, int inner, double alpha, const double* A, int lda, const double* B, int ldb,
                        double beta, double* C, int ldc) {
#if ATTNLIM_HAVE_OPENBLAS
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, cols, inner, alpha, A, lda, B, ldb, beta, C, ldc);
#else
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) {
      double dot = 0.0;
      for (int k = 0; k < inner; ++k) dot += A[i * lda + k] * B[j * ldb + k];
      C[i * ldc + j] = alpha * dot + (beta == 0.0 ? 0.0 : beta * C[i * ldc + j]);
    }
#endif
}

// C (rows x cols) += A (rows x inner) B (inner x cols).
void product_accumulate(int rows, int cols, int inner, const double* A, int lda, const double* B, int ldb, double* C,
                        int ldc) {
#if ATTNLIM_HAVE_OPENBLAS
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, cols, inner, 1.0, A, lda, B, ldb, 1.0, C, ldc);
#else
  for (int i = 0; i < rows; ++i)
    for (int k = 0; k < inner; ++k) {
      const double a = A[i * lda + k];
      if (a == 0.0) continue;
      for (int j = 0; j < cols; ++j) C[i * ldc + j] += a * B[k * ldb + j];
    }
#endif
}

class CpuSelfAttention final : public SelfAttentionEngine {
 public:
  explicit CpuSelfAttention(const SelfAttentionOptions& o) : options_(o) {}
  std::string name() const override { return "cpu"; }
  std::string device() const override {
    return fmt::format("{} OpenMP threads{}", threads(), ATTNLIM_HAVE_OPENBLAS ? ", OpenBLAS tiles" : "");
  }

  std::vector<LayerStats> run(const SelfAttentionSpec& spec, std::uint32_t trial) override {
    validate(spec);
#if ATTNLIM_HAVE_OPENBLAS
    openblas_set_num_threads(1);  // parallel over query tiles here; one BLAS thread each
#endif
    std::vector<double> y = make_tokens(spec, trial), next(y.size());
    std::vector<LayerStats> out;
    for (int layer = 0; layer < spec.layers; ++layer) {
      out.push_back(one_layer(spec, y, next));
      y.swap(next);
    }
    return out;
  }

 private:
  int threads() const { return options_.threads > 0 ? options_.threads : omp_get_max_threads(); }

  LayerStats one_layer(const SelfAttentionSpec& spec, const std::vector<double>& y, std::vector<double>& next) const {
    const std::int64_t n = static_cast<std::int64_t>(spec.n);
    const int d = spec.d, tq = std::max(1, options_.query_tile), tk = std::max(1, options_.key_tile);
    const double beta = spec.beta;
    const std::int64_t tiles = (n + tq - 1) / tq;
    std::vector<double> self(n), entropy(n);
#pragma omp parallel num_threads(threads())
    {
      std::vector<double> scores(static_cast<std::size_t>(tq) * tk), acc(static_cast<std::size_t>(tq) * d);
      std::vector<double> m(tq), l(tq), t(tq);
#pragma omp for schedule(dynamic, 1)
      for (std::int64_t tile = 0; tile < tiles; ++tile) {
        if (stop_requested()) continue;
        const std::int64_t q0 = tile * tq;
        const int rows = static_cast<int>(std::min<std::int64_t>(tq, n - q0));
        const double* yq = y.data() + q0 * d;
        std::fill(m.begin(), m.end(), -std::numeric_limits<double>::infinity());
        std::fill(l.begin(), l.end(), 0.0);
        std::fill(t.begin(), t.end(), 0.0);
        std::fill(acc.begin(), acc.end(), 0.0);
        for (std::int64_t k0 = 0; k0 < n; k0 += tk) {
          const int cols = static_cast<int>(std::min<std::int64_t>(tk, n - k0));
          const double* yk = y.data() + k0 * d;
          product_transposed(rows, cols, d, beta, yq, d, yk, d, 0.0, scores.data(), tk);
          for (int i = 0; i < rows; ++i) {
            double* s = scores.data() + static_cast<std::size_t>(i) * tk;
            double top = m[i];
            for (int j = 0; j < cols; ++j) top = std::max(top, s[j]);
            const double shrink = std::exp(m[i] - top);  // 0 on the first tile (m = -inf)
            l[i] *= shrink;
            t[i] *= shrink;
            for (int k = 0; k < d; ++k) acc[static_cast<std::size_t>(i) * d + k] *= shrink;
            for (int j = 0; j < cols; ++j) {
              const double p = std::exp(s[j] - top);
              l[i] += p;
              t[i] += p * s[j];
              s[j] = p;
            }
            m[i] = top;
          }
          product_accumulate(rows, d, cols, scores.data(), tk, yk, d, acc.data(), d);
        }
        for (int i = 0; i < rows; ++i) {
          const std::int64_t row = q0 + i;
          double self_dot = 0.0, norm2 = 0.0;
          for (int k = 0; k < d; ++k) self_dot += yq[static_cast<std::size_t>(i) * d + k] * yq[static_cast<std::size_t>(i) * d + k];
          self[row] = std::exp(beta * self_dot - m[i]) / l[i];
          entropy[row] = m[i] + std::log(l[i]) - t[i] / l[i];
          const double* a = acc.data() + static_cast<std::size_t>(i) * d;
          for (int k = 0; k < d; ++k) norm2 += a[k] * a[k];
          const double inv = 1.0 / std::sqrt(norm2);
          for (int k = 0; k < d; ++k) next[row * d + k] = a[k] * inv;
        }
      }
    }
    throw_if_stop_requested();
    LayerStats st;
    st.self_min = *std::min_element(self.begin(), self.end());
    st.self_max = *std::max_element(self.begin(), self.end());
    for (std::int64_t i = 0; i < n; ++i) {
      st.self_weight += self[i] / static_cast<double>(n);
      st.entropy += entropy[i] / static_cast<double>(n);
    }
    st.mean_cosine = mean_pairwise_cosine(next, spec.n, d);
    return st;
  }

  SelfAttentionOptions options_;
};

class CudaSelfAttention final : public SelfAttentionEngine {
 public:
  std::string name() const override { return "cuda"; }
  std::string device() const override { return cuda::device_name(); }
  std::vector<LayerStats> run(const SelfAttentionSpec& spec, std::uint32_t trial) override {
    validate(spec);
    return cuda::self_attention_layers(spec, make_tokens(spec, trial));
  }
};

}  // namespace

std::vector<std::vector<LayerStats>> SelfAttentionEngine::run_jobs(const std::vector<SelfAttentionJob>& jobs,
                                                                   const WorkDone& progress) {
  std::vector<std::vector<LayerStats>> out;
  double done = 0;
  for (const SelfAttentionJob& job : jobs) {
    throw_if_stop_requested();
    out.push_back(run(job.spec, job.trial));
    done += job.work();
    if (progress) progress(done);
  }
  return out;
}

std::unique_ptr<SelfAttentionEngine> make_self_attention_engine(EngineChoice choice, const SelfAttentionOptions& o) {
  if (o.threads < 0 || o.threads > kMaxThreads)
    throw InputError("threads", fmt::format("must be between 0 and {} (got {})", kMaxThreads, o.threads));
  if (o.query_tile < 1 || o.key_tile < 1) throw InputError("tile", "tiles must hold at least one row");
  std::string why;
  const bool gpu = cuda::available(&why);
  if (choice == EngineChoice::cuda && !gpu) throw InputError("backend", "cuda requested but " + why);
  if (choice == EngineChoice::cuda || (choice == EngineChoice::automatic && gpu)) return std::make_unique<CudaSelfAttention>();
  return std::make_unique<CpuSelfAttention>(o);
}

}  // namespace attnlim
