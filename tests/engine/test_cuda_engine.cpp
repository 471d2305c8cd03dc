// The CUDA backend against its CPU twin. Device tests GTEST_SKIP() with the reason when no usable device
// is present; the host-side pieces (launch plan, error messages, input checks) run everywhere the CUDA
// backend is compiled.
#include <gtest/gtest.h>

#include "support/same_state.hpp"
#include "support/sim.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <string>
#include <utility>
#include <vector>

#include "attnlim/engine/cpu_blocks.hpp"
#include "attnlim/engine/run_spec.hpp"
#include "attnlim/io/parse.hpp"
#include "attnlim/engine/cuda_runtime.hpp"
#include "attnlim/core/errors.hpp"
#include "attnlim/core/philox.hpp"
#include "attnlim/keys/uniform.hpp"
#include "attnlim/state/trial_state.hpp"
#if defined(ATTNLIM_WITH_CUDA)
#include "attnlim/engine/cuda_bench.hpp"
#endif

namespace {

using attnlim::SamplerTier;
using attnlim::TrialState;

#define ATTNLIM_REQUIRE_DEVICE()                                                  \
  do {                                                                            \
    std::string why_;                                                             \
    if (!attnlim::cuda::available(&why_)) GTEST_SKIP() << "CUDA backend unavailable: " << why_; \
  } while (0)

std::vector<TrialState> run_gpu(const attnlim_test::Sim& c, const attnlim::cuda::LaunchOptions& options = {}) {
  return attnlim::cuda::run(c.spec(), c.range(), options);
}

// The distance's relative tolerance: a few ulps for every rounding step where the device may differ. A key's
// distance comes from the sum of d - 1 squared normals, which the device accumulates with fused multiply-adds
// (at most one ulp apart per term: d - 1 ulps in the worst case, ~sqrt(d) typically) and a few operations
// after it (Box-Muller's log and sqrt, the division: 16 ulps is generous). 16 + d ulps: 4.2e-15 at d = 3,
// 3.2e-14 at d = 128. The first device run (bench/gpu_stage1.sh) says how much of it is used.
double distance_tolerance(int d) { return (16.0 + d) * 0x1p-52; }

// A model not symmetric about q (vMF off the axis, harmonic with an angle, mixtures of them) places its key by
// an angle or a variate known to an absolute ~1e-16, so a distance E near q is defined to an absolute
// ~2^-52 sqrt(E) only (vmf.hpp): a rounding of the device's libm or fused multiply-adds moves E that much, many
// ulps of a small E. Its CPU/GPU contract adds 8 2^-52 sqrt(E): the factor of sqrt(E) is returned here. The host emulator, built with FMA contraction,
// found this: vmf:kappa=4,angle=1.2 at d = 3 had top-k distances 19-35 ulps apart near E = 1e-3 (1.1 2^-52 sqrt(E)
// at most), against 19 ulps allowed.
double distance_floor_per_sqrt_e(const attnlim::AnyKeyModel& keys) {
  return attnlim::supports_tier(keys, SamplerTier::projected, nullptr) ? 0.0 : 8.0 * 0x1p-52;
}

// |a - b| in units of 2^-52 of the larger magnitude (the unit distance_tolerance counts in).
double ulps_apart(double a, double b) { return std::abs(a - b) / (std::max(std::abs(a), std::abs(b)) * 0x1p-52); }

bool close_to(double a, double b, double relative, double absolute) {
  return std::abs(a - b) <= relative * std::max(std::abs(a), std::abs(b)) + absolute;
}

// The CPU/GPU contract: identical top-k indices, distances equal to a few ulps (distance_tolerance: both sides
// reduce Box-Muller's angle exactly, sincospi on the device and sincospi_exact on the host, so what remains
// is the device's fused multiply-adds and its libm's last ulp), sums within 1e-9 relative (a different
// summation order over 10^5 keys); the vector within 1e-9
// relative or 1e-10 of s0 (its components are signed sums that may cancel).
void expect_same_state(const TrialState& cpu, const TrialState& gpu, const attnlim_test::Sim& c,
                       const std::string& where) {
  SCOPED_TRACE(where);
  const std::vector<double>& betas = c.betas;
  const double floor_per_sqrt_e = distance_floor_per_sqrt_e(c.spec().keys);
  auto floor_at = [&](double e) { return floor_per_sqrt_e * std::sqrt(e); };
  const double ulps = distance_tolerance(c.d);
  EXPECT_EQ(gpu.count, cpu.count);
  EXPECT_TRUE(close_to(gpu.min_distance, cpu.min_distance, ulps, floor_at(cpu.min_distance)))
      << std::setprecision(17) << gpu.min_distance << " vs " << cpu.min_distance << ", "
      << ulps_apart(gpu.min_distance, cpu.min_distance) << " ulps apart";
  ASSERT_EQ(gpu.num_betas(), cpu.num_betas());
  for (int b = 0; b < cpu.num_betas(); ++b) {
    SCOPED_TRACE("beta = " + std::to_string(betas[b]));
    EXPECT_TRUE(close_to(gpu.s0[b], cpu.s0[b], 1e-9, 0.0)) << gpu.s0[b] << " vs " << cpu.s0[b];
    EXPECT_TRUE(close_to(gpu.s1[b], cpu.s1[b], 1e-9, 1e-12 * cpu.s0[b])) << gpu.s1[b] << " vs " << cpu.s1[b];
    EXPECT_TRUE(close_to(gpu.s2[b], cpu.s2[b], 1e-9, 0.0)) << gpu.s2[b] << " vs " << cpu.s2[b];
  }
  ASSERT_EQ(gpu.tangent_dim, cpu.tangent_dim);
  ASSERT_EQ(gpu.vec.size(), cpu.vec.size());
  int vector_mismatches = 0;
  for (std::size_t j = 0; j < cpu.vec.size(); ++j) {
    const double s0 = cpu.s0[j / std::max(cpu.tangent_dim, 1)];
    if (!close_to(gpu.vec[j], cpu.vec[j], 1e-9, 1e-10 * s0) && vector_mismatches++ < 5)
      ADD_FAILURE() << "vec[" << j << "]: " << gpu.vec[j] << " vs " << cpu.vec[j];
  }
  EXPECT_EQ(vector_mismatches, 0);
  ASSERT_EQ(gpu.top_size, cpu.top_size);
  for (int i = 0; i < cpu.top_size; ++i) {
    EXPECT_EQ(gpu.top_index[i], cpu.top_index[i]) << "rank " << i;
    EXPECT_TRUE(close_to(gpu.top_distance[i], cpu.top_distance[i], ulps, floor_at(cpu.top_distance[i])))
        << "rank " << i << ": " << std::setprecision(17) << gpu.top_distance[i] << " vs " << cpu.top_distance[i]
        << ", " << ulps_apart(gpu.top_distance[i], cpu.top_distance[i]) << " ulps apart (tolerance "
        << ulps / 0x1p-52 << " + " << floor_at(cpu.top_distance[i]) << " absolute)";
  }
}

attnlim_test::Sim make_config(int d, SamplerTier sampler, std::uint64_t n, std::uint64_t trials, std::vector<double> betas,
                      int top_k, bool output_vector) {
  attnlim_test::Sim c;
  c.d = d;
  c.sampler = sampler;
  c.n = n;
  c.trials = trials;
  c.betas = std::move(betas);
  c.top_k = top_k;
  c.output_vector = output_vector;
  c.seed = 0x1234ABCDu + static_cast<std::uint64_t>(d);
  return c;
}

// ---- host-side, no device needed --------------------------------------------------------------------------

TEST(CudaBackend, AvailabilityComesWithAReason) {
  std::string why;
  if (attnlim::cuda::available(&why)) {
    EXPECT_FALSE(attnlim::cuda::device_name().empty());
  } else {
    EXPECT_FALSE(why.empty());
  }
}

#if defined(ATTNLIM_WITH_CUDA)

TEST(CudaErrors, MessageCarriesFileLineCallAndCudaString) {
  try {
    attnlim::cuda::detail::throw_cuda_error(1 /* cudaErrorInvalidValue */, "cudaMalloc(&p, 8)",
                                            "/src/attnlim/cuda/fused.cu", 42);
    FAIL() << "no exception";
  } catch (const attnlim::DeviceError& e) {
    EXPECT_EQ(std::string(e.what()), "fused.cu:42: cudaMalloc(&p, 8): invalid argument");
  }
}

#endif  // ATTNLIM_WITH_CUDA

TEST(CudaErrors, BadInputIsRejectedBeforeTouchingTheDevice) {
  attnlim_test::Sim c = make_config(3, SamplerTier::full, 10, 1, {1.0}, 11, false);  // k > n
  EXPECT_THROW(run_gpu(c), attnlim::InputError);
  c = make_config(3, SamplerTier::projected, 10, 1, {1.0}, 2, true);  // projected keys have no direction
  EXPECT_THROW(run_gpu(c), attnlim::InputError);
  c = make_config(3, SamplerTier::full, 10, 1, std::vector<double>(attnlim::kMaxBetas + 1, 1.0), 2, false);
  EXPECT_THROW(run_gpu(c), attnlim::InputError);
}

TEST(CudaLaunchPlan, MemoryIsIndependentOfN) {
  using attnlim::cuda::LaunchOptions;
  const std::vector<double> betas(attnlim::kMaxBetas, 3.0);
  const std::uint64_t resident = 132 * 5;
  attnlim_test::Sim small = make_config(128, SamplerTier::full, 1'000'000'000ull, 4, betas, 64, false);
  attnlim_test::Sim huge = small;
  huge.n = 1'000'000'000'000ull;
  const auto a = attnlim::cuda::plan_launch(small.spec(), small.range(), resident, LaunchOptions{});
  const auto b = attnlim::cuda::plan_launch(huge.spec(), huge.range(), resident, LaunchOptions{});
  EXPECT_EQ(a.device_bytes, b.device_bytes);
  EXPECT_EQ(b.chunk, attnlim::cuda::default_chunk_keys(huge.spec()));
  EXPECT_EQ(b.launches_per_trial, (huge.n + b.chunk - 1) / b.chunk);
  EXPECT_LE(b.blocks_per_trial * b.trials_per_launch, resident);
  EXPECT_LT(b.device_bytes, std::uint64_t{64} << 20);
}

// A launch's work, not its key count, is bounded: --output-vector at d = 128 with 64 betas costs 8320 units a
// key against 4 for d = 3 with one beta, so its launches take 516k keys instead of 2^28 (and so still end
// within a fraction of a second, where the stop check and the progress line run).
TEST(CudaLaunchPlan, DefaultChunkIsSizedByTheCostOfAKey) {
  using attnlim::cuda::default_chunk_keys;
  const attnlim_test::Sim cheap = make_config(3, SamplerTier::projected, std::uint64_t{1} << 40, 1, {1.0}, 8, false);
  EXPECT_EQ(default_chunk_keys(cheap.spec()), attnlim::cuda::kDefaultChunkKeys);
  const std::vector<double> betas(attnlim::kMaxBetas, 3.0);
  const attnlim_test::Sim heavy = make_config(128, SamplerTier::full, std::uint64_t{1} << 40, 1, betas, 8, true);
  EXPECT_EQ(attnlim::cuda::key_cost_units(heavy.spec()), 128 + 64 * 128);
  EXPECT_EQ(default_chunk_keys(heavy.spec()), static_cast<std::uint64_t>(attnlim::cuda::kLaunchWorkUnits / 8320));
  for (const attnlim_test::Sim& c : {cheap, heavy}) {
    const auto plan = attnlim::cuda::plan_launch(c.spec(), c.range(), 132 * 5, attnlim::cuda::LaunchOptions{});
    EXPECT_LE(static_cast<double>(plan.chunk) * attnlim::cuda::key_cost_units(c.spec()), attnlim::cuda::kLaunchWorkUnits);
  }
  // Never fewer than kMinDefaultChunkKeys keys (a launch must still fill the device).
  const attnlim_test::Sim huge_d = make_config(65536, SamplerTier::full, std::uint64_t{1} << 40, 1, betas, 8, true);
  EXPECT_EQ(default_chunk_keys(huge_d.spec()), attnlim::cuda::kMinDefaultChunkKeys);
}

TEST(CudaLaunchPlan, VectorScratchStaysUnderItsCeiling) {
  const std::vector<double> betas(attnlim::kMaxBetas, 3.0);
  attnlim_test::Sim c = make_config(128, SamplerTier::full, 1'000'000'000ull, 16, betas, 8, true);
  const auto plan = attnlim::cuda::plan_launch(c.spec(), c.range(), 132 * 5, attnlim::cuda::LaunchOptions{});
  EXPECT_GT(plan.scratch_bytes, 0u);
  EXPECT_LE(plan.scratch_bytes, attnlim::cuda::kVectorScratchBytes);
  EXPECT_GE(plan.blocks_per_trial, 1u);
}

TEST(CudaLaunchPlan, SmallTrialsShareALaunch) {
  attnlim_test::Sim c = make_config(3, SamplerTier::full, 37, 1000, {1.0}, 4, false);
  const auto plan = attnlim::cuda::plan_launch(c.spec(), c.range(), 528, attnlim::cuda::LaunchOptions{});
  EXPECT_EQ(plan.blocks_per_trial, 1u);
  EXPECT_EQ(plan.trials_per_launch, 528u);
  EXPECT_EQ(plan.launches_per_trial, 1u);
  attnlim::cuda::LaunchOptions options;
  options.chunk = 10;
  options.max_blocks = 7;
  const auto chunked = attnlim::cuda::plan_launch(c.spec(), c.range(), 528, options);
  EXPECT_EQ(chunked.chunk, 10u);
  EXPECT_EQ(chunked.launches_per_trial, 4u);
  EXPECT_EQ(chunked.trials_per_launch, 7u);
}

// ---- device ---------------------------------------------------------------------------------------------

TEST(CudaPhilox, HostIsBitIdenticalToCurand) {
  ATTNLIM_REQUIRE_DEVICE();
  struct Range {
    std::uint64_t seed;
    std::uint32_t trial, draw;
    std::uint64_t first;
  };
  const std::uint64_t per_range = 250'000;  // 4 ranges: 10^6 counters
  const Range ranges[] = {
      {1, 0, 0, 0},
      {0xDEADBEEFCAFEF00Dull, 7, 3, (std::uint64_t{1} << 32) - per_range / 2},  // crosses the hi word
      {42, 0xFFFFFFFFu, 31, (std::uint64_t{1} << 40) + 12345},
      {~std::uint64_t{0}, 123456, 1, ~std::uint64_t{0} - per_range},
  };
  for (const Range& r : ranges) {
    const std::vector<std::uint32_t> device =
        attnlim::cuda::curand_philox_blocks(r.seed, r.trial, r.draw, r.first, per_range);
    ASSERT_EQ(device.size(), 4 * per_range);
    int mismatches = 0;
    for (std::uint64_t i = 0; i < per_range; ++i) {
      const attnlim::Philox4 host = attnlim::key_block(r.seed, r.trial, r.first + i, r.draw);
      for (int w = 0; w < 4; ++w)
        if (host.v[w] != device[4 * i + w] && mismatches++ < 5)
          ADD_FAILURE() << "seed " << r.seed << " trial " << r.trial << " draw " << r.draw << " counter "
                        << r.first + i << " word " << w << ": host " << host.v[w] << " cuRAND " << device[4 * i + w];
    }
    EXPECT_EQ(mismatches, 0);
  }
}

struct FusedCase {
  std::string name;
  attnlim_test::Sim config;
  std::uint64_t chunk = 0;       // 0: production chunk
  std::uint64_t max_blocks = 0;  // 0: full wave
};

// 64 betas (beta 0, then 1.3^b) and 12 spread over the whole range, for the cases that fill every slot.
std::vector<double> betas64_for_cases() {
  std::vector<double> betas;
  for (int b = 0; b < attnlim::kMaxBetas; ++b) betas.push_back(b == 0 ? 0.0 : std::pow(1.3, b));
  return betas;
}
std::vector<double> betas12_for_cases() { return {0.0, 0.5, 2.0, 8.0, 30.0, 100.0, 400.0, 1e3, 1e4, 1e6, 1e9, 1e12}; }

std::vector<FusedCase> fused_cases() {
  std::vector<FusedCase> cases;
  auto add = [&](std::string name, attnlim_test::Sim c, std::uint64_t chunk, std::uint64_t max_blocks = 0) {
    cases.push_back(FusedCase{std::move(name), std::move(c), chunk, max_blocks});
  };
  const std::vector<double> betas3 = {0.0, 1.0, 30.0, 1e3, 1e12};
  attnlim_test::Sim c = make_config(3, SamplerTier::full, 100'003, 3, betas3, 8, true);
  c.first_trial = 5;
  add("d3_full_vector_chunked", c, 10'007);
  add("d16_full_vector_k64_chunked",
      make_config(16, SamplerTier::full, 50'021, 2, {0.0, 2.5, 40.0, 1e4, 1e9}, 64, true), 16'387);
  add("d128_full_vector_chunked",
      make_config(128, SamplerTier::full, 20'011, 2, {0.0, 10.0, 100.0, 1e3, 1e12}, 16, true), 7'001);
  add("d128_full_scalar", make_config(128, SamplerTier::full, 20'011, 2, {0.0, 10.0, 100.0, 1e3, 1e12}, 16, false),
      0);
  add("d3_projected_chunked", make_config(3, SamplerTier::projected, 200'003, 3, betas3, 8, false), 65'537);
  add("d16_projected_chunked",
      make_config(16, SamplerTier::projected, 200'003, 3, {0.0, 2.5, 40.0, 1e4, 1e12}, 8, false), 65'537);
  add("d128_projected", make_config(128, SamplerTier::projected, 200'003, 2, {0.0, 10.0, 100.0, 1e3, 1e12}, 8, false),
      0);
  add("many_small_trials", make_config(3, SamplerTier::full, 37, 300, {0.0, 5.0}, 37, true), 0);
  add("d8_full_vector_64_betas", make_config(8, SamplerTier::full, 30'011, 2, betas64_for_cases(), 5, true), 0);
  add("one_key", make_config(2, SamplerTier::full, 1, 2, {0.0, 1e12}, 1, true), 0);
  add("no_top_k", make_config(5, SamplerTier::full, 1'000, 2, {0.0, 3.0}, 0, false), 0);
  add("few_blocks_many_launches", make_config(4, SamplerTier::full, 5'003, 3, {0.0, 7.0, 1e6}, 12, true), 1'000, 3);
  // Betas out of order and repeated: the scalar path walks them through the grid's ascending permutation.
  add("unsorted_repeated_betas_chunked",
      make_config(3, SamplerTier::projected, 90'001, 2, {1e12, 0.0, 1e3, 30.0, 1e3, 1.0}, 64, false), 20'011);
  // The production launch plan (chunk 0: sized by cost; a full wave of blocks) where the small cases above
  // never go: many trial groups (more trials than a launch holds), the scalar path with 64 betas and k = 64,
  // and per-thread top-k buffers filled (more than k keys per thread), so that the block and trial merges
  // run at their full sizes; d = 2 at large n, where the nearest distances are a few ulps apart.
  add("trial_groups_production_plan", make_config(3, SamplerTier::full, 41, 3000, {0.0, 4.0, 1e3}, 8, true), 0);
  add("trial_groups_16_blocks", make_config(5, SamplerTier::projected, 300, 700, {0.0, 4.0, 1e3}, 16, false), 0, 16);
  add("scalar_64_betas_k64_full_buffers", make_config(3, SamplerTier::projected, 2'000'003, 1, betas64_for_cases(), 64, false),
      0, 4);
  add("full_d16_production_plan_k32", make_config(16, SamplerTier::full, 20'000'003, 1, betas12_for_cases(), 32, false), 0);
  add("d2_large_n", make_config(2, SamplerTier::projected, 200'000'003, 1, {0.0, 1e6, 1e12, 1e16}, 64, false), 0);
  // One launch of 147 blocks on an emulated H100 (Emulated.H100Geometry: 528 resident blocks): the in-kernel fold
  // merges 148 candidate lists with 128 threads, so some threads own two (16 blocks on the default emulator).
  add("one_trial_148_candidate_lists", make_config(3, SamplerTier::projected, 600'001, 1, {0.0, 4.0, 1e3}, 16, false),
      0);
  // The device accelerator of uniform keys' full tier (one log per product of uniforms, d >= 6), which runs from a
  // trial's second launch on: keys that enter the top-k after the first launch (k = 16, 64; the seeded threshold),
  // new minima of later launches (k = 0: 19 trials of 10 launches, ~2.3 new minima each, in 10 trial groups), odd
  // and even d.
  add("d16_full_scalar_k64_chunked", make_config(16, SamplerTier::full, 300'007, 2, betas12_for_cases(), 64, false),
      100'003, 4);
  add("d12_full_no_top_k_chunked", make_config(12, SamplerTier::full, 50'021, 19, {0.0, 3.0, 1e3}, 0, false), 5'003,
      4);  // 2 blocks a trial, 2 trials a launch: 10 trial groups
  add("d7_full_scalar_k16_chunked", make_config(7, SamplerTier::full, 99'991, 2, betas12_for_cases(), 16, false),
      20'011, 2);
  add("d128_full_k64_chunked", make_config(128, SamplerTier::full, 60'011, 3, betas12_for_cases(), 64, false), 15'013);
  // Every key model, both tiers where it has both, with and without the output vector: the same kernel
  // template instantiated per model (cuda/keys/), against the CPU's generic key loop.
  const std::pair<const char*, int> models[] = {{"vmf:kappa=4,angle=1.2", 3},
                                                {"vmf:kappa=30", 5},
                                                {"vmf:kappa=2,angle=1.5", 16},  // squared radii off the axis
                                                {"subsphere:m=3", 6},
                                                {"power:gamma=-1.5", 6},
                                                {"power:gamma=2", 16},
                                                {"harmonic:l=2,eps=0.7,angle=0.9", 3},
                                                {"harmonic:l=3,eps=-0.5", 8},
                                                {"mix:0.9*vmf:kappa=20,angle=2.5;0.1*uniform", 3},
                                                {"mix:0.5*power:gamma=1;0.5*subsphere:m=3", 4}};
  for (const auto& [spec, d] : models) {
    for (const bool vector : {false, true}) {
      attnlim_test::Sim m = make_config(d, SamplerTier::full, 40'009, 2, {0.0, 5.0, 80.0, 1e4}, 8, vector);
      m.keys = spec;
      add(std::string(spec) + (vector ? " full vector" : " full"), m, 10'007);
    }
    attnlim_test::Sim p = make_config(d, SamplerTier::projected, 40'009, 2, {0.0, 5.0, 80.0, 1e4}, 8, false);
    p.keys = spec;
    const bool projected = attnlim::supports_tier(p.spec().keys, SamplerTier::projected, nullptr);
    if (projected) add(std::string(spec) + " projected", p, 0);
    // k = 64 with 12 betas on 2 blocks (256 threads, ~156 keys each): every per-thread buffer fills.
    for (const SamplerTier tier : {SamplerTier::full, SamplerTier::projected}) {
      if (tier == SamplerTier::projected && !projected) continue;
      attnlim_test::Sim f = make_config(d, tier, 40'009, 3, betas12_for_cases(), 64, false);
      f.keys = spec;
      add(std::string(spec) + (tier == SamplerTier::full ? " full" : " projected") + " k64 full buffers", f, 0, 2);
    }
  }
  return cases;
}

// The launch options a case asks for (chunk 0: the production chunk; max_blocks 0: a full wave).
attnlim::cuda::LaunchOptions launch_options_of(const FusedCase& fc) {
  attnlim::cuda::LaunchOptions options;
  if (fc.chunk) options.chunk = fc.chunk;
  options.max_blocks = fc.max_blocks;
  return options;
}

// The case run with `options`, then with the option `off` turned off.
std::pair<std::vector<TrialState>, std::vector<TrialState>> run_twice(const FusedCase& fc,
                                                                      attnlim::cuda::LaunchOptions options,
                                                                      bool attnlim::cuda::LaunchOptions::*off) {
  std::vector<TrialState> on = run_gpu(fc.config, options);
  options.*off = false;
  return {std::move(on), run_gpu(fc.config, options)};
}

// Every case (max_keys 0) or those of at most max_keys keys in all (under compute-sanitizer, which slows
// kernels 10-100x: bench/gpu_stage1.sh).
void expect_fused_cases_match_cpu(std::uint64_t max_keys) {
  for (const FusedCase& fc : fused_cases()) {
    if (max_keys && fc.config.n * fc.config.trials > max_keys) continue;
    SCOPED_TRACE(fc.name);
    const std::vector<TrialState> cpu = attnlim_test::run_cpu(fc.config);
    attnlim::cuda::LaunchOptions options = launch_options_of(fc);
    const std::vector<TrialState> gpu = run_gpu(fc.config, options);
    ASSERT_EQ(gpu.size(), cpu.size());
    for (std::size_t t = 0; t < cpu.size(); ++t)
      expect_same_state(cpu[t], gpu[t], fc.config, fc.name + " trial " + std::to_string(t));
  }
}

TEST(CudaFused, MatchesCpuBackend) {
  ATTNLIM_REQUIRE_DEVICE();
  expect_fused_cases_match_cpu(0);
}

// The cases of at most 2e5 keys: every key model, both tiers, full per-thread buffers, trial groups.
TEST(CudaFused, SmallCasesMatchCpuBackend) {
  ATTNLIM_REQUIRE_DEVICE();
  expect_fused_cases_match_cpu(200'000);
}

// The kernel's two shortcuts (cuda::LaunchOptions::shortcuts: betas whose weights all underflow are skipped
// per batch of keys; keys beyond the trial's k-th so far skip the top-k buffer) change no bit: every case of
// at most 1e6 keys, with and without them, bitwise. The chunked cases seed the threshold (launches after the
// first), every case with a beta of 1e3 or more skips betas, and one case has its betas out of order. Without
// the device accelerator: the seeded threshold enters its rule for which keys to recompute, so with it the
// shortcuts may move uniform full-tier sums by rounding (AcceleratedKeysChangeOnlyTheSumsRounding and
// MatchesCpuBackend hold those to their contracts).
TEST(CudaFused, ShortcutsChangeNoBit) {
  ATTNLIM_REQUIRE_DEVICE();
  for (const FusedCase& fc : fused_cases()) {
    if (fc.config.n * fc.config.trials > 1'000'000) continue;
    SCOPED_TRACE(fc.name);
    attnlim::cuda::LaunchOptions options = launch_options_of(fc);
    options.accelerate_keys = false;
    const auto [fast, plain] = run_twice(fc, options, &attnlim::cuda::LaunchOptions::shortcuts);
    ASSERT_EQ(fast.size(), plain.size());
    for (std::size_t t = 0; t < fast.size(); ++t) attnlim_test::expect_identical(fast[t], plain[t]);
  }
}

// The in-kernel fold (cuda::LaunchOptions::fold_in_kernel: each trial's last block to finish a launch folds the
// blocks' partials in block order and merges their sorted candidate lists by block arg-min) against the candidate
// sort and merge kernel after each launch: every case of at most 1e6 keys, bitwise -- chunked cases (the
// accumulator carried across launches, the per-trial counts set back to 0), trial groups, k = 0 and k = 64 with
// full buffers, the output vector, one key, every key model; and again on the warp path (uniform keys without the
// output vector). Which block finishes last varies from run to run (the emulator deals blocks to host threads;
// a device schedules them as it likes); the results may not.
TEST(CudaFused, FoldInKernelChangesNoBit) {
  ATTNLIM_REQUIRE_DEVICE();
  int compared = 0;
  for (const FusedCase& fc : fused_cases()) {
    if (fc.config.n * fc.config.trials > 1'000'000) continue;
    for (const bool warp : {false, true}) {
      if (warp && (fc.config.keys != "uniform" || fc.config.output_vector)) continue;
      SCOPED_TRACE(fc.name + (warp ? " (warp path)" : ""));
      attnlim::cuda::LaunchOptions options = launch_options_of(fc);
      options.warp_sums = warp;
      const auto [folded, merged] = run_twice(fc, options, &attnlim::cuda::LaunchOptions::fold_in_kernel);
      ASSERT_EQ(folded.size(), merged.size());
      for (std::size_t t = 0; t < folded.size(); ++t) attnlim_test::expect_identical(folded[t], merged[t]);
      ++compared;
    }
  }
  EXPECT_EQ(compared, 74);  // 57 cases of at most 1e6 keys, 17 of them uniform without the output vector
}

// The device accelerator (cuda::LaunchOptions::accelerate_keys: uniform keys' full tier without the output
// vector, one log per product of up to 16 uniforms, from a trial's second launch on) against every key from the
// sampler, on every case of at most 1e6 keys (with warp_sums: the uniform cases without the output vector). Keys
// that may be the trial's minimum or enter its top-k are recomputed by the sampler, so count, minimum and top-k
// are bitwise the same; each other key's E moves by at most ~2.2e-13 relative (keys/uniform.hpp; measured at most
// 4.8e-15), a weight by beta times that, so the sums agree to 1e-12 relative (the largest difference seen on the
// emulator, 2026-12-02: 2.6e-14, the k = 0 case at beta = 1e3; 3e-16 elsewhere). Where it acts (uniform, full, no vector, d >= 6, more than one launch per trial: the
// four chunked cases at d = 7, 12, 16, 128) some sum must differ in its rounding; elsewhere (a single launch, or
// no accelerator) no bit may change. Returns the number of cases where it acts.
int expect_accelerated_keys_change_only_the_sums_rounding(bool warp_sums) {
  int acting = 0;
  for (const FusedCase& fc : fused_cases()) {
    if (fc.config.n * fc.config.trials > 1'000'000) continue;
    if (warp_sums && (fc.config.keys != "uniform" || fc.config.output_vector)) continue;
    SCOPED_TRACE(fc.name);
    attnlim::cuda::LaunchOptions options = launch_options_of(fc);
    options.warp_sums = warp_sums;
    const auto [fast, exact] = run_twice(fc, options, &attnlim::cuda::LaunchOptions::accelerate_keys);
    EXPECT_EQ(fast.size(), exact.size());
    const bool acts = fc.config.keys == "uniform" && fc.config.sampler == SamplerTier::full &&
                      !fc.config.output_vector && fc.config.d >= 6 && fc.chunk && fc.chunk < fc.config.n;
    acting += acts;
    int differ = 0;
    double worst = 0.0;
    for (std::size_t t = 0; t < fast.size() && t < exact.size(); ++t) {
      const TrialState& a = fast[t];
      const TrialState& b = exact[t];
      if (!acts) {
        attnlim_test::expect_identical(a, b);
        continue;
      }
      EXPECT_EQ(a.count, b.count);
      EXPECT_EQ(a.min_distance, b.min_distance);
      EXPECT_EQ(a.top_size, b.top_size);
      EXPECT_EQ(a.top_index, b.top_index);
      EXPECT_EQ(a.top_distance, b.top_distance);
      EXPECT_EQ(a.s0.size(), b.s0.size());
      for (std::size_t i = 0; i < a.s0.size() && i < b.s0.size(); ++i) {
        EXPECT_TRUE(close_to(a.s0[i], b.s0[i], 1e-12, 0.0)) << a.s0[i] << " vs " << b.s0[i];
        EXPECT_TRUE(close_to(a.s1[i], b.s1[i], 1e-12, 1e-13 * b.s0[i])) << a.s1[i] << " vs " << b.s1[i];
        EXPECT_TRUE(close_to(a.s2[i], b.s2[i], 1e-12, 0.0)) << a.s2[i] << " vs " << b.s2[i];
        differ += a.s0[i] != b.s0[i] || a.s1[i] != b.s1[i] || a.s2[i] != b.s2[i];
        worst = std::max({worst, std::abs(a.s0[i] - b.s0[i]) / b.s0[i], std::abs(a.s2[i] - b.s2[i]) / b.s2[i],
                          std::abs(a.s1[i] - b.s1[i]) / (std::abs(b.s1[i]) + 1e-13 * b.s0[i])});
      }
    }
    if (acts) EXPECT_GT(differ, 0) << "the accelerator did not act";
    if (acts) std::printf("%s: largest relative difference of a sum %.3g\n", fc.name.c_str(), worst);
  }
  return acting;
}

TEST(CudaFused, AcceleratedKeysChangeOnlyTheSumsRounding) {
  ATTNLIM_REQUIRE_DEVICE();
  EXPECT_EQ(expect_accelerated_keys_change_only_the_sums_rounding(false), 4);
}

TEST(CudaFused, AcceleratedKeysOnTheWarpPathChangeOnlyTheSumsRounding) {
  ATTNLIM_REQUIRE_DEVICE();
  EXPECT_EQ(expect_accelerated_keys_change_only_the_sums_rounding(true), 4);
}

// Keys whose C is under the product's guard (uniform_product_distance returns NaN) far from q, where neither the
// minimum nor the top-k would recompute them: found by scanning keys 0 .. 1e9 of seed 2026, trial 0, d = 6 for
// a NaN product with E > 1 (/tmp scan, 2026-12-02): keys 214783832 (E = 1.978) and 483855419 (E = 1.610). Each
// sits in the third launch of its range (accelerated), at beta 0 (every key weighs 1) and beyond: the device
// against the CPU engine, with the contract, and the sums finite.
TEST(CudaFused, AcceleratedKeysRecomputeKeysUnderTheGuard) {
  ATTNLIM_REQUIRE_DEVICE();
  for (const std::uint64_t key : {std::uint64_t{214783832}, std::uint64_t{483855419}}) {
    SCOPED_TRACE("key " + std::to_string(key));
    attnlim_test::Sim c = make_config(6, SamplerTier::full, key + 20'000, 1, {0.0, 1.0, 5.0}, 8, false);
    c.seed = 2026;
    attnlim::WorkRange range;
    range.first_trial = 0;
    range.trials = 1;
    range.key_begin = key - 20'000;
    range.key_end = key + 20'000;
    attnlim::cuda::LaunchOptions options;
    options.chunk = 8'000;  // the key is in the third launch
    const std::vector<TrialState> gpu = attnlim::cuda::run(c.spec(), range, options);
    const std::vector<TrialState> cpu = attnlim::cpu::run_trials(c.spec(), range, c.options());
    ASSERT_EQ(gpu.size(), 1u);
    ASSERT_EQ(cpu.size(), 1u);
    for (std::size_t b = 0; b < gpu[0].s1.size(); ++b) EXPECT_TRUE(std::isfinite(gpu[0].s1[b])) << "beta " << b;
    expect_same_state(cpu[0], gpu[0], c, "guard");
  }
}

// The warp path (cuda::LaunchOptions::warp_sums: per-beta sums spread over a warp, lane l owning betas l and
// l + 32; built for uniform keys) against the CPU, with the CPU contract: every uniform case without the
// output vector (where the option is refused) of at most max_keys keys -- both tiers, 64 betas
// (lanes owning two), k = 64 with full buffers, trial groups, betas out of order, partial warps at the end of a
// range (n not a multiple of 32).
// Returns the number of cases run.
int expect_warp_cases_match_cpu(std::uint64_t max_keys) {
  int cases = 0;
  for (const FusedCase& fc : fused_cases()) {
    if (fc.config.keys != "uniform" || fc.config.output_vector || fc.config.n * fc.config.trials > max_keys)
      continue;
    SCOPED_TRACE(fc.name);
    ++cases;
    const std::vector<TrialState> cpu = attnlim_test::run_cpu(fc.config);
    attnlim::cuda::LaunchOptions options = launch_options_of(fc);
    options.warp_sums = true;
    const std::vector<TrialState> gpu = run_gpu(fc.config, options);
    EXPECT_EQ(gpu.size(), cpu.size());
    for (std::size_t t = 0; t < cpu.size() && t < gpu.size(); ++t)
      expect_same_state(cpu[t], gpu[t], fc.config, fc.name + " trial " + std::to_string(t));
  }
  return cases;
}

TEST(CudaFused, WarpSumsMatchCpuBackend) {
  ATTNLIM_REQUIRE_DEVICE();
  EXPECT_EQ(expect_warp_cases_match_cpu(3'000'000), 13);  // the uniform scalar cases of fused_cases() up to 3e6 keys
  // Refused where the warp path is not built.
  attnlim::cuda::LaunchOptions options;
  options.warp_sums = true;
  attnlim_test::Sim vmf = make_config(3, SamplerTier::full, 1'000, 1, {0.0, 3.0}, 4, false);
  vmf.keys = "vmf:kappa=4";
  EXPECT_THROW(run_gpu(vmf, options), attnlim::InputError);
  EXPECT_THROW(run_gpu(make_config(3, SamplerTier::full, 1'000, 1, {0.0, 3.0}, 4, true), options), attnlim::InputError);
}

// The cases of at most 2.5e5 keys (trial groups, betas out of order, no top-k, full tier at d = 128), for
// compute-sanitizer (bench/gpu_stage1.sh).
TEST(CudaFused, WarpSumsSmallCasesMatchCpuBackend) {
  ATTNLIM_REQUIRE_DEVICE();
  EXPECT_EQ(expect_warp_cases_match_cpu(250'000), 6);
}

// The error path: a failed allocation (16 TiB) is a DeviceError naming the call, not std::terminate, and the
// device works afterwards (the error is not sticky).
TEST(CudaErrors, AFailedAllocationIsADeviceErrorAndTheDeviceGoesOn) {
  ATTNLIM_REQUIRE_DEVICE();
  try {
    attnlim::cuda::curand_philox_blocks(1, 0, 0, 0, std::uint64_t{1} << 40);
    FAIL() << "a 16 TiB allocation succeeded";
  } catch (const attnlim::DeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("cudaMalloc"), std::string::npos) << e.what();
  }
  const attnlim_test::Sim c = make_config(3, SamplerTier::full, 1'000, 2, {0.0, 3.0}, 4, false);
  const std::vector<TrialState> cpu = attnlim_test::run_cpu(c), gpu = run_gpu(c);
  ASSERT_EQ(gpu.size(), cpu.size());
  for (std::size_t t = 0; t < cpu.size(); ++t) expect_same_state(cpu[t], gpu[t], c, "after the error");
}

TEST(CudaFused, DeterministicAndChunkingChangesRoundingOnly) {
  ATTNLIM_REQUIRE_DEVICE();
  const attnlim_test::Sim c = make_config(16, SamplerTier::full, 300'007, 2, {0.0, 20.0, 500.0}, 16, true);
  const std::vector<TrialState> first = run_gpu(c);
  const std::vector<TrialState> again = run_gpu(c);
  ASSERT_EQ(first.size(), again.size());
  for (std::size_t t = 0; t < first.size(); ++t) attnlim_test::expect_identical(first[t], again[t]);
  attnlim::cuda::LaunchOptions options;
  options.chunk = 12'345;
  const std::vector<TrialState> chunked = run_gpu(c, options);
  for (std::size_t t = 0; t < first.size(); ++t)
    expect_same_state(first[t], chunked[t], c, "chunked trial " + std::to_string(t));
}

#if defined(ATTNLIM_WITH_CUDA)

TEST(CudaBench, PhiloxChecksumMatchesHost) {
  ATTNLIM_REQUIRE_DEVICE();
  const std::uint64_t blocks = std::uint64_t{1} << 20, seed = 99;
  std::uint64_t device_fold = 0;
  const double seconds = attnlim::cuda::philox_rate_seconds(blocks, seed, &device_fold);
  std::uint64_t host_fold = 0;
  for (std::uint64_t i = 0; i < blocks; ++i) {
    const attnlim::Philox4 r = attnlim::key_block(seed, 0, i, 0);
    host_fold ^= (static_cast<std::uint64_t>(r.v[1]) << 32 | r.v[0]) ^
                 (static_cast<std::uint64_t>(r.v[3]) << 32 | r.v[2]);
  }
  EXPECT_EQ(device_fold, host_fold);
  EXPECT_GT(seconds, 0.0);
}

TEST(CudaBench, NormalChecksumMatchesHost) {
  ATTNLIM_REQUIRE_DEVICE();
  const std::uint64_t normals = std::uint64_t{1} << 20, seed = 7;
  double device_sum = 0.0;
  const double seconds = attnlim::cuda::normal_rate_seconds(normals, seed, &device_sum);
  double host_sum = 0.0;
  for (std::uint64_t i = 0; i < normals / 4; ++i) {
    double z[4];
    attnlim::normals4(attnlim::key_block(seed, 0, i, 0), z);
    host_sum += (z[0] + z[1]) + (z[2] + z[3]);
  }
  EXPECT_NEAR(device_sum, host_sum, 1e-6);  // summation order and sincospi vs sin/cos: rounding only
  EXPECT_GT(seconds, 0.0);
}

TEST(CudaBench, FusedSecondsReturnsTheFusedStates) {
  ATTNLIM_REQUIRE_DEVICE();
  const attnlim_test::Sim c = make_config(8, SamplerTier::full, 100'000, 2, {0.0, 10.0}, 4, false);
  std::vector<TrialState> timed;
  EXPECT_GT(attnlim::cuda::fused_seconds(c.spec(), c.trials, &timed), 0.0);
  const std::vector<TrialState> direct = run_gpu(c);
  ASSERT_EQ(timed.size(), direct.size());
  for (std::size_t t = 0; t < direct.size(); ++t) {
    EXPECT_EQ(timed[t].s0, direct[t].s0);
    EXPECT_EQ(timed[t].top_index, direct[t].top_index);
  }
}

#endif  // ATTNLIM_WITH_CUDA

#if defined(ATTNLIM_WITH_CUDA)

// Different random streams, same law: mean E_(1) over trials within 4 standard errors, exact counts.
TEST(CudaMaterialize, AgreesWithCpuStatistically) {
  ATTNLIM_REQUIRE_DEVICE();
  std::string why;
  if (!attnlim::cuda::curand_host_available(&why)) GTEST_SKIP() << "materialize_then_reduce cannot run: " << why;
  for (int d : {3, 16}) {
    SCOPED_TRACE("d = " + std::to_string(d));
    const attnlim_test::Sim c = make_config(d, SamplerTier::full, 10'000, 200, {0.0, 50.0}, 4, false);
    const std::vector<TrialState> cpu = attnlim_test::run_cpu(c);
    const attnlim::cuda::MaterializeResult mat = attnlim::cuda::materialize_then_reduce(c.spec(), c.trials);
    ASSERT_EQ(mat.states.size(), cpu.size());
    EXPECT_GT(mat.seconds, 0.0);
    auto mean_and_se = [](const std::vector<TrialState>& states) {
      double sum = 0.0, sum_sq = 0.0;
      for (const TrialState& s : states) {
        sum += s.min_distance;
        sum_sq += s.min_distance * s.min_distance;
      }
      const double n = static_cast<double>(states.size());
      const double mean = sum / n;
      return std::make_pair(mean, std::sqrt(std::max(sum_sq / n - mean * mean, 0.0) / (n - 1)));
    };
    const auto [cpu_mean, cpu_se] = mean_and_se(cpu);
    const auto [mat_mean, mat_se] = mean_and_se(mat.states);
    EXPECT_LT(std::abs(cpu_mean - mat_mean), 4.0 * std::hypot(cpu_se, mat_se))
        << "cpu " << cpu_mean << " +- " << cpu_se << ", materialised " << mat_mean << " +- " << mat_se;
    if (d == 3) EXPECT_NEAR(mat_mean, 2.0 / (c.n + 1), 4.0 * mat_se);  // THEORY.md section 6
    for (const TrialState& s : mat.states) {
      EXPECT_EQ(s.count, c.n);
      EXPECT_EQ(s.s0[0], static_cast<double>(c.n));  // beta = 0: every weight is exactly 1
      ASSERT_EQ(s.top_size, c.top_k);
      EXPECT_EQ(s.top_distance[0], s.min_distance);
      EXPECT_TRUE(std::is_sorted(s.top_distance.begin(), s.top_distance.end()));
    }
  }
}

#else

TEST(CudaMaterialize, AgreesWithCpuStatistically) {
  GTEST_SKIP() << "built without the CUDA backend";
}

#endif

}  // namespace
