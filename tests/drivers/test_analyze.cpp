// Offline analysis (attnlim analyze) of stored sweeps: the same beta* and exponent as critical on the same
// trials, shards equal to the whole sweep, the delta method without stored trials, refusals that write nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/drivers/analyze.hpp"
#include "attnlim/drivers/critical.hpp"
#include "attnlim/drivers/sweep.hpp"
#include "attnlim/drivers/sweep_records.hpp"
#include "attnlim/io/parse.hpp"

namespace {

using namespace attnlim;
namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() / (name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string at(const std::string& name) const { return (path / name).string(); }
};

SweepConfig base_sweep(const std::string& out) {
  SweepConfig c;
  c.ds = {3, 4};
  c.ns = {1000, 10000, 100000};
  c.specs = {parse_beta_spec("critical:0.1..10x16")};
  c.trials = 60;
  c.seed = 7;
  c.out = out;
  c.store_trials = true;
  return c;
}

TEST(BetaRange, LogSpacedWithExactEnds) {
  const auto v = parse_beta_values("beta_spec", "0.1..10x32");
  ASSERT_EQ(v.size(), 32u);
  EXPECT_EQ(v.front(), 0.1);
  EXPECT_EQ(v.back(), 10.0);
  for (std::size_t i = 1; i < v.size(); ++i) EXPECT_NEAR(std::log(v[i] / v[i - 1]), std::log(100.0) / 31, 1e-12);
  EXPECT_THROW(parse_beta_values("beta_spec", "10..1x4"), InputError);
  EXPECT_THROW(parse_beta_values("beta_spec", "0..1x4"), InputError);
  EXPECT_THROW(parse_beta_values("beta_spec", "1..2x1"), InputError);
  EXPECT_THROW(parse_beta_values("beta_spec", "1..2"), InputError);
}

TEST(StoredTrials, Base64RoundTripIsExact) {
  const std::vector<double> v = {0.0, -1.5, 1e-300, 3.141592653589793, 1e300, 0.1};
  for (std::size_t k = 0; k <= v.size(); ++k) {
    const std::vector<double> part(v.begin(), v.begin() + k);
    EXPECT_EQ(decode_doubles(encode_doubles(part)), part);
  }
  EXPECT_THROW(decode_doubles("abc"), std::invalid_argument);
}

// The whole sweep and the same sweep as 3 shards (each its own files) give the same analysis.
TEST(Analyze, ShardsEqualTheWholeSweep) {
  TempDir dir("attnlim_analyze_shards");
  auto engine = make_engine(EngineChoice::cpu);
  SweepConfig whole = base_sweep(dir.at("whole"));
  run_sweep(*engine, whole);
  for (int i = 0; i < 3; ++i) {
    SweepConfig part = base_sweep(dir.at("part"));
    part.shard = i;
    part.shards = 3;
    run_sweep(*engine, part);
    EXPECT_TRUE(fs::exists(dir.at(fmt::format("part.shard-{}-of-3.jsonl", i + 1))));
  }
  AnalyzeConfig a;
  a.inputs = {dir.at("whole")};
  const nlohmann::json w = to_json(run_analyze(a));
  a.inputs = {dir.at("part")};
  const AnalyzeResult parts = run_analyze(a);
  EXPECT_EQ(parts.files.size(), 3u);
  nlohmann::json p = to_json(parts);
  ASSERT_EQ(w["groups"].size(), 2u);
  EXPECT_EQ(w["groups"], p["groups"]);
  EXPECT_EQ(w["groups"][0]["ci_method"], "bootstrap");
  // Reading the whole sweep and a shard of it together: the shard's points repeat identically (read once).
  a.inputs = {dir.at("whole"), dir.at("part.shard-2-of-3.jsonl")};
  const AnalyzeResult both = run_analyze(a);
  EXPECT_EQ(to_json(both)["groups"], w["groups"]);
  EXPECT_EQ(both.notes.size(), 2u);
}

// analyze on sweeps whose betas are critical's fine grid, with critical's seeds and trials, finds critical's
// beta* and interval at every n and the same exponent. They differ only by the rounding of log(exp(x)): the
// sweep stores beta, critical interpolates in the log beta it started from (1e-12 relative is ample).
TEST(Analyze, SameBetaStarAndExponentAsCritical) {
  TempDir dir("attnlim_analyze_critical");
  auto engine = make_engine(EngineChoice::cpu);
  CriticalConfig cc;
  cc.d = 3;
  cc.n_min = 1000;
  cc.n_max = 100000;
  cc.n_points = 3;
  cc.trials = 100;
  cc.seed = 3;
  const CriticalResult critical = run_critical(*engine, cc);
  AnalyzeConfig a;
  for (const CriticalPoint& pt : critical.points) {
    SweepConfig s;
    s.ds = {3};
    s.ns = {pt.n};
    std::string betas;
    for (double b : pt.betas) betas += (betas.empty() ? "" : ",") + fmt::format("{:.17g}", b);
    s.specs = {parse_beta_spec("abs:" + betas)};
    s.trials = cc.trials;
    s.seed = cc.seed;
    s.store_trials = true;
    s.out = dir.at(fmt::format("n{}", pt.n));
    run_sweep(*engine, s);
    a.inputs.push_back(s.out);
  }
  const AnalyzeResult r = run_analyze(a);
  ASSERT_EQ(r.groups.size(), 1u);
  const CriticalResult& offline = r.groups[0].result;
  ASSERT_EQ(offline.points.size(), critical.points.size());
  for (std::size_t i = 0; i < critical.points.size(); ++i) {
    EXPECT_NEAR(offline.points[i].beta_star, critical.points[i].beta_star, 1e-12 * critical.points[i].beta_star);
    EXPECT_NEAR(offline.points[i].ci_low, critical.points[i].ci_low, 1e-12 * critical.points[i].ci_low);
    EXPECT_NEAR(offline.points[i].ci_high, critical.points[i].ci_high, 1e-12 * critical.points[i].ci_high);
  }
  EXPECT_NEAR(offline.fit.slope, critical.fit.slope, 1e-9);
  EXPECT_NEAR(offline.fit.slope_ci_low, critical.fit.slope_ci_low, 1e-9);
  EXPECT_EQ(offline.regime, critical.regime);
}

// Without stored trials the interval comes from the delta method (said so), around the same crossing of
// the means; a point whose grid does not bracket the target is reported and left out of the fit.
TEST(Analyze, DeltaMethodAndUnbracketedPoints) {
  TempDir dir("attnlim_analyze_delta");
  auto engine = make_engine(EngineChoice::cpu);
  SweepConfig stored = base_sweep(dir.at("stored"));
  stored.ds = {3};
  run_sweep(*engine, stored);
  SweepConfig plain = stored;
  plain.store_trials = false;
  plain.out = dir.at("plain");
  run_sweep(*engine, plain);
  AnalyzeConfig a;
  a.inputs = {dir.at("stored")};
  const AnalyzeResult boot = run_analyze(a);
  a.inputs = {dir.at("plain")};
  const AnalyzeResult delta = run_analyze(a);
  EXPECT_EQ(delta.groups[0].ci_method, "delta");
  ASSERT_EQ(delta.groups[0].result.points.size(), boot.groups[0].result.points.size());
  for (std::size_t i = 0; i < delta.groups[0].result.points.size(); ++i) {
    const CriticalPoint &d = delta.groups[0].result.points[i], &b = boot.groups[0].result.points[i];
    EXPECT_DOUBLE_EQ(d.beta_star, b.beta_star);  // the same means cross at the same beta
    // Two estimates of one standard error (delta method, bootstrap): within a factor 2 of each other.
    EXPECT_GT(d.se_log, 0.5 * b.se_log);
    EXPECT_LT(d.se_log, 2.0 * b.se_log);
  }
  // A grid far below the crossing (ipr stays near 1/n): reported, not extrapolated, not fitted.
  SweepConfig low = plain;
  low.specs = {parse_beta_spec("critical:0.0001,0.0002,0.0004")};
  low.out = dir.at("low");
  run_sweep(*engine, low);
  a.inputs = {dir.at("low")};
  const AnalyzeResult none = run_analyze(a);
  EXPECT_FALSE(none.groups[0].fitted);
  EXPECT_EQ(none.groups[0].unbracketed.size(), 3u);
  EXPECT_NE(none.groups[0].unbracketed[0].find("stays below 0.5"), std::string::npos) << none.groups[0].unbracketed[0];
}

TEST(Analyze, RefusesCorruptAndIncompatibleFilesNamingThem) {
  TempDir dir("attnlim_analyze_refuse");
  auto engine = make_engine(EngineChoice::cpu);
  SweepConfig c = base_sweep(dir.at("a"));
  c.ds = {3};
  c.ns = {1000, 2000};
  c.store_trials = false;
  run_sweep(*engine, c);
  const auto expect_refusal = [&](const std::vector<std::string>& inputs, const std::string& words) {
    AnalyzeConfig a;
    a.inputs = inputs;
    try {
      run_analyze(a);
      ADD_FAILURE() << "not refused: " << words;
    } catch (const InputError& e) {
      EXPECT_EQ(e.field(), "PREFIX");
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  expect_refusal({dir.at("missing")}, "no sweep file at");
  // A garbage line in the middle: the file and the line.
  {
    std::ifstream in(dir.at("a.jsonl"));
    std::string first, second;
    std::getline(in, first);
    std::getline(in, second);
    std::ofstream(dir.at("bad.jsonl")) << first << "\nnot json\n" << second << "\n";
  }
  expect_refusal({dir.at("bad.jsonl")}, "bad.jsonl line 2");
  // Another key model.
  SweepConfig other = c;
  other.keys = "power:gamma=2";
  other.out = dir.at("other");
  run_sweep(*engine, other);
  expect_refusal({dir.at("a"), dir.at("other")}, "different sweeps");
  // The same point with different results (another seed).
  SweepConfig reseeded = c;
  reseeded.seed = 99;
  reseeded.out = dir.at("reseeded");
  run_sweep(*engine, reseeded);
  expect_refusal({dir.at("a"), dir.at("reseeded")}, "with different results");
}

}  // namespace

namespace {

// A rerun with --store-trials repeats the same simulation without: merged (the stored copy kept), not refused.
TEST(Analyze, StoredAndPlainCopiesOfOnePointMerge) {
  TempDir dir("attnlim_analyze_merge");
  auto engine = attnlim::make_engine(attnlim::EngineChoice::cpu);
  attnlim::SweepConfig stored = base_sweep(dir.at("stored"));
  stored.ds = {3};
  attnlim::run_sweep(*engine, stored);
  attnlim::SweepConfig plain = stored;
  plain.store_trials = false;
  plain.out = dir.at("plain");
  attnlim::run_sweep(*engine, plain);
  attnlim::AnalyzeConfig a;
  a.inputs = {dir.at("plain"), dir.at("stored")};
  const attnlim::AnalyzeResult both = attnlim::run_analyze(a);
  EXPECT_EQ(both.groups[0].ci_method, "bootstrap");
  EXPECT_EQ(both.notes.size(), 3u);
}

}  // namespace
