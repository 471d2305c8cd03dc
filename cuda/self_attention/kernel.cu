// Self-attention on the GPU (THEORY.md section 9): a fused tiled kernel in the FlashAttention style. One
// thread per query row, TQ rows per block; keys stream through shared memory in tiles of TK; the products
// (scores, and the weighted key sums) are FP32 reads of FP32 tokens, the softmax statistics (running max, sum,
// weighted score sum) and the output accumulator are FP64 in shared memory, so the results agree with the
// CPU's double path to about 1e-6 relative per score times beta (the agreement test asserts 1e-4 at beta <= 50).
// Never an n x n matrix: memory O(n d). Not yet run on a device (no GPU was lent when it was written).
#include <cmath>
#include <stdexcept>
#include <vector>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/engine/self_attention.hpp"
#include "../check.cuh"
#include "../device_array.cuh"

namespace attnlim::cuda {

namespace {

constexpr int kTQ = 32;  // query rows (threads) per block
constexpr int kTK = 32;  // keys per shared-memory tile

std::size_t shared_bytes(int d) {
  return static_cast<std::size_t>(d) * (kTK * sizeof(float) + kTQ * sizeof(float) + kTQ * sizeof(double));
}

__global__ void self_attention_layer(const float* __restrict__ tokens, long long n, int d, double beta,
                                     double* __restrict__ next, double* __restrict__ self_weight,
                                     double* __restrict__ entropy) {
  ATTNLIM_DYNAMIC_SHARED(unsigned char, shared);
  double* acc = reinterpret_cast<double*>(shared);               // kTQ x d
  float* keys = reinterpret_cast<float*>(acc + kTQ * d);          // kTK x d
  float* queries = keys + kTK * d;                                // kTQ x d
  const int local = threadIdx.x;
  const long long row = static_cast<long long>(blockIdx.x) * kTQ + local;
  const bool active = row < n;
  for (int k = 0; k < d; ++k) {
    queries[local * d + k] = active ? tokens[row * d + k] : 0.0f;
    acc[local * d + k] = 0.0;
  }
  double m = -INFINITY, l = 0.0, t = 0.0;
  for (long long k0 = 0; k0 < n; k0 += kTK) {
    const int cols = static_cast<int>(min(static_cast<long long>(kTK), n - k0));
    __syncthreads();
    for (int idx = local; idx < cols * d; idx += blockDim.x) keys[idx] = tokens[k0 * d + idx];
    __syncthreads();
    if (!active) continue;
    double scores[kTK];
    double top = m;
    for (int j = 0; j < cols; ++j) {
      float dot = 0.0f;
      for (int k = 0; k < d; ++k) dot = fmaf(queries[local * d + k], keys[j * d + k], dot);
      scores[j] = beta * static_cast<double>(dot);
      top = fmax(top, scores[j]);
    }
    const double shrink = exp(m - top);
    l *= shrink;
    t *= shrink;
    for (int k = 0; k < d; ++k) acc[local * d + k] *= shrink;
    for (int j = 0; j < cols; ++j) {
      const double p = exp(scores[j] - top);
      l += p;
      t += p * scores[j];
      for (int k = 0; k < d; ++k) acc[local * d + k] += p * static_cast<double>(keys[j * d + k]);
    }
    m = top;
  }
  if (!active) return;
  float self_dot = 0.0f;
  double norm2 = 0.0;
  for (int k = 0; k < d; ++k) {
    self_dot = fmaf(queries[local * d + k], queries[local * d + k], self_dot);
    norm2 += acc[local * d + k] * acc[local * d + k];
  }
  self_weight[row] = exp(beta * static_cast<double>(self_dot) - m) / l;
  entropy[row] = m + log(l) - t / l;
  const double inv = rsqrt(norm2);
  for (int k = 0; k < d; ++k) next[row * d + k] = acc[local * d + k] * inv;
}

}  // namespace

std::vector<LayerStats> self_attention_layers(const SelfAttentionSpec& spec, std::vector<double> tokens) {
  validate(spec);
  const long long n = static_cast<long long>(spec.n);
  const int d = spec.d;
  const std::size_t bytes = shared_bytes(d);
  int device = 0, limit = 0;
  ATTNLIM_CUDA_CHECK(cudaGetDevice(&device));
  ATTNLIM_CUDA_CHECK(cudaDeviceGetAttribute(&limit, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  if (bytes > static_cast<std::size_t>(limit))
    throw InputError("d", fmt::format("the CUDA self-attention kernel holds {} x d numbers per block in shared memory: "
                                      "d = {} needs {} bytes, the device has {} (use --backend cpu)",
                                      kTQ + kTK, d, bytes, limit));
  ATTNLIM_CUDA_CHECK(cudaFuncSetAttribute(self_attention_layer, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                          static_cast<int>(bytes)));
  DeviceArray<float> device_tokens(tokens.size());
  DeviceArray<double> next(tokens.size()), self(spec.n), entropy(spec.n);
  std::vector<LayerStats> out;
  for (int layer = 0; layer < spec.layers; ++layer) {
    device_tokens.upload(std::vector<float>(tokens.begin(), tokens.end()));
    const unsigned blocks = static_cast<unsigned>((n + kTQ - 1) / kTQ);
    launch(self_attention_layer, blocks, kTQ, bytes, device_tokens.get(), n, d, spec.beta, next.get(), self.get(),
           entropy.get());
    ATTNLIM_CUDA_CHECK_LAUNCH(self_attention_layer);
    ATTNLIM_CUDA_CHECK(cudaDeviceSynchronize());
    tokens = next.download(tokens.size());
    const std::vector<double> w = self.download(spec.n), h = entropy.download(spec.n);
    LayerStats st;
    st.self_min = w.front();
    st.self_max = w.front();
    for (std::size_t i = 0; i < w.size(); ++i) {
      st.self_weight += w[i] / static_cast<double>(n);
      st.entropy += h[i] / static_cast<double>(n);
      st.self_min = std::min(st.self_min, w[i]);
      st.self_max = std::max(st.self_max, w[i]);
    }
    st.mean_cosine = mean_pairwise_cosine(tokens, spec.n, d);
    out.push_back(st);
  }
  return out;
}

}  // namespace attnlim::cuda
