// The critical driver's validation and end-to-end exponent; the sweep's resume guarantee; bad grids
// through the CLI.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "attnlim/drivers/critical.hpp"
#include "attnlim/analysis/crossing.hpp"
#include "attnlim/drivers/grid.hpp"
#include "attnlim/core/errors.hpp"
#include "attnlim/drivers/sweep.hpp"
#include "support/child_process.hpp"

using namespace attnlim;
namespace fs = std::filesystem;

// ---- grids of n --------------------------------------------------------------------------------

TEST(CriticalFit, LogSpacedNIsDistinctAndSpansTheRange) {
  const auto ns = log_spaced_n(1000, 1000000, 7);
  ASSERT_EQ(ns.size(), 7u);
  EXPECT_EQ(ns.front(), 1000u);
  EXPECT_EQ(ns.back(), 1000000u);
  EXPECT_EQ(ns[3], 31623u);
  const auto tight = log_spaced_n(10, 13, 4);
  EXPECT_EQ(tight, (std::vector<std::uint64_t>{10, 11, 12, 13}));
  EXPECT_NE(point_seed(1, 3, 1000), point_seed(1, 3, 1001));
  EXPECT_NE(point_seed(1, 3, 1000), point_seed(1, 4, 1000));
}

// log_spaced_n reaches the largest supported n without overflowing a long long.
TEST(CriticalFit, LogSpacedNReachesTheLargestN) {
  const auto ns = log_spaced_n(kMaxKeys / 4, kMaxKeys, 3);
  ASSERT_EQ(ns.size(), 3u);
  EXPECT_EQ(ns.front(), kMaxKeys / 4);
  EXPECT_EQ(ns.back(), kMaxKeys);
  EXPECT_LT(ns[0], ns[1]);
  EXPECT_LT(ns[1], ns[2]);
}

// At beta = 0 ipr = w_max = 1/n (their minimum) and entropy = log n (its maximum): beta* exists only
// for 1/n < target (ipr, w_max) or target < log n (entropy), and validate refuses smaller n up front.

TEST(CriticalValidate, NWhereNoCrossingExistsIsRefused) {
  EXPECT_EQ(smallest_crossing_n("ipr", 0.5), 3u);    // 1/2 = 0.5 is not below 0.5
  EXPECT_EQ(smallest_crossing_n("ipr", 0.25), 5u);
  EXPECT_EQ(smallest_crossing_n("ipr", 0.3), 4u);
  EXPECT_EQ(smallest_crossing_n("w_max", 0.9), 2u);
  EXPECT_EQ(smallest_crossing_n("entropy", 2.0), 8u);  // e^2 = 7.39
  EXPECT_EQ(smallest_crossing_n("entropy", std::log(10.0)), 11u);
  EXPECT_EQ(smallest_crossing_n("entropy", 0.1), 2u);
  EXPECT_EQ(smallest_crossing_n("ipr", 1e-30), 0u);   // no supported n
  EXPECT_EQ(smallest_crossing_n("entropy", 50.0), 0u);
  CriticalConfig c;
  c.n_min = 2;
  c.n_max = 100;
  c.n_points = 4;
  c.trials = 20;
  try {
    validate(c);
    FAIL() << "n = 2 with ipr target 0.5 was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "n_min") << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("n_min:", 0), 0u) << e.what();
    EXPECT_EQ(e.for_command_line().rfind("--n-min:", 0), 0u) << e.for_command_line();
    EXPECT_NE(std::string(e.what()).find("smallest valid n is 3"), std::string::npos) << e.what();
  }
  c.n_min = 3;
  EXPECT_NO_THROW(validate(c));
  c.observable = "entropy";
  c.target = 2.0;
  EXPECT_THROW(validate(c), InputError);
  c.n_min = 8;
  EXPECT_NO_THROW(validate(c));
  c.target = 50.0;
  c.n_max = kMaxKeys;
  EXPECT_THROW(validate(c), InputError);
}

// End to end in d = 3 on a small range: the exponent's interval covers 1 and beta* tracks the
// prediction lambda* (n c_3)^{2/2} = lambda* n / 2 (fixed seed).
TEST(CriticalEndToEnd, ExponentInDimensionThreeCoversOne) {
  CriticalConfig c;
  c.d = 3;
  c.n_min = 300;
  c.n_max = 30000;
  c.n_points = 4;
  c.trials = 160;
  c.resamples = 200;
  const auto engine = make_engine(EngineChoice::cpu);
  const CriticalResult r = run_critical(*engine, c, {});
  EXPECT_LE(r.fit.slope_ci_low, 1.0);
  EXPECT_GE(r.fit.slope_ci_high, 1.0);
  EXPECT_LT(r.fit.slope_ci_high - r.fit.slope_ci_low, 0.3);  // informative, not vacuous
  for (const auto& p : r.points) {
    EXPECT_LE(p.ci_low, p.beta_star);
    EXPECT_GE(p.ci_high, p.beta_star);
    EXPECT_NEAR(std::log(p.beta_star / p.predicted_beta_star), 0.0, 4 * p.se_log + 0.02) << p.n;
  }
  EXPECT_EQ(r.regime, "local");
}

// ---- sweep: resume after a kill gives the same results as one uninterrupted run ------------------

static std::string read_all(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

static int run_to_end(const std::vector<std::string>& args) {
  std::string cmd = ATTNLIM_CLI_PATH;
  for (const auto& a : args) cmd += " '" + a + "'";
  const int raw = std::system((cmd + " >/dev/null 2>&1").c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

static std::vector<std::string> sweep_args(const fs::path& out) {
  return {"sweep", "--d", "3,5", "--n", "100000,300000,600000", "--beta-spec", "critical:0.5,1,2",
          "--beta-spec", "abs:0,10", "--trials", "16", "--backend", "cpu", "--sampler", "full", "--out", out.string()};
}

static std::size_t count_lines(const fs::path& p) {
  std::ifstream in(p);
  std::size_t n = 0;
  std::string line;
  while (std::getline(in, line)) n += !line.empty();
  return n;
}

TEST(SweepResume, KilledAndResumedEqualsUninterrupted) {
  const fs::path dir = fs::temp_directory_path() / ("attnlim_resume_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  ASSERT_EQ(run_to_end(sweep_args(dir / "whole")), 0);
  ASSERT_EQ(count_lines(dir / "whole.jsonl"), 6u);

  // Start the same sweep, kill it (SIGKILL) once two points are on disk.
  const auto args = sweep_args(dir / "part");
  const pid_t pid = attnlim_test::spawn_cli(args);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (count_lines(dir / "part.jsonl") < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  const std::size_t finished = count_lines(dir / "part.jsonl");
  ASSERT_GE(finished, 2u);
  ASSERT_LT(finished, 6u) << "the kill came too late to test anything";
  // A torn record, as if killed in the middle of an append: resume must drop it.
  { std::ofstream(dir / "part.jsonl", std::ios::app) << R"({"sweep":{"trials":16},"d":5,"n":)"; }

  ASSERT_EQ(run_to_end(args), 0);
  EXPECT_EQ(count_lines(dir / "part.jsonl"), 6u);
  EXPECT_EQ(read_all(dir / "part.csv"), read_all(dir / "whole.csv"));
  // Re-running a finished sweep changes nothing.
  ASSERT_EQ(run_to_end(args), 0);
  EXPECT_EQ(read_all(dir / "part.csv"), read_all(dir / "whole.csv"));
  // A different configuration under the same prefix is refused, not mixed in.
  auto other = args;
  ASSERT_EQ(other[9], "--trials");
  other[10] = "17";
  std::string cmd = ATTNLIM_CLI_PATH;
  for (const auto& a : other) cmd += " '" + a + "'";
  FILE* pipe = popen((cmd + " 2>&1").c_str(), "r");
  std::string message;
  char buf[512];
  while (pipe && fgets(buf, sizeof buf, pipe)) message += buf;
  const int raw = pipe ? pclose(pipe) : -1;
  EXPECT_EQ(WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, 2) << message;
  EXPECT_NE(message.find("another configuration"), std::string::npos) << message;
  EXPECT_EQ(count_lines(dir / "part.jsonl"), 6u);
  fs::remove_all(dir);
}

TEST(CriticalCli, BadGridsExitTwoWithoutOutput) {
  const fs::path dir = fs::temp_directory_path() / ("attnlim_badgrid_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string json = (dir / "c.json").string(), out = (dir / "s").string();
  const std::vector<std::vector<std::string>> cases = {
      {"critical", "--d", "3", "--n-min", "5000", "--n-max", "1000", "--json", json},
      {"critical", "--d", "3", "--target", "1.5", "--json", json},
      {"critical", "--d", "3", "--target", "0", "--json", json},
      {"critical", "--d", "1", "--json", json},
      {"critical", "--d", "3", "--observable", "bias", "--json", json},
      {"critical", "--d", "3", "--n-points", "1", "--json", json},
      {"sweep", "--n", "100", "--beta-spec", "critical:", "--out", out},
      {"sweep", "--n", "100", "--beta-spec", "critical:0.5,-1", "--out", out},
      {"sweep", "--n-min", "5000", "--n-max", "100", "--n-points", "3", "--beta-spec", "abs:1", "--out", out},
      {"verify", "--claims", "locality,nosuch", "--out", (dir / "v").string()},
      {"verify", "--seed", "-1", "--out", (dir / "v").string()},
  };
  for (const auto& c : cases) {
    std::string joined, cmd = ATTNLIM_CLI_PATH;
    for (const auto& a : c) joined += a + " ", cmd += " '" + a + "'";
    FILE* pipe = popen((cmd + " 2>&1 >/dev/null").c_str(), "r");
    std::string message;
    char buf[512];
    while (pipe && fgets(buf, sizeof buf, pipe)) message += buf;
    const int raw = pipe ? pclose(pipe) : -1;
    EXPECT_EQ(WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, 2) << joined << message;
    // One line naming the flag, as the README promises.
    EXPECT_EQ(message.rfind("attnlim: error: --", 0), 0u) << joined << message;
    EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 1) << joined << message;
    EXPECT_FALSE(fs::exists(json)) << joined;
    EXPECT_FALSE(fs::exists(out + ".jsonl")) << joined;
    EXPECT_FALSE(fs::exists(dir / "v" / "summary.json")) << joined;
  }
  fs::remove_all(dir);
}
