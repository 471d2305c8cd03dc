// attnlim under mpirun (engine/mpi.hpp): the JSON of 1, 2 and 3 ranks equals one process's (bit for bit when the
// ranks split trials; within rounding when they split one trial's keys), a sweep killed under MPI resumes to the
// uninterrupted result, and a rank that fails ends the job with its message and a non-zero exit. Skipped with the
// reason where attnlim was built without MPI.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/cli_runner.hpp"
#include "support/json_fields.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kMpiexec = ATTNLIM_MPIEXEC;  // empty: built without MPI

// Every machine field, which differs between runs whatever the ranks; config.threads is each rank's share.
const std::set<std::string> kMachineFields = {"seconds", "keys_per_second", "trials_per_second", "device", "threads"};

json strip_machine_fields(const json& j) { return attnlim_test::strip_fields(j, kMachineFields); }

// `ranks` 0: the binary alone (no launcher); else under mpirun -np ranks (-q: no launcher banners).
CliRun run(int ranks, const std::string& args, const std::string& env = "") {
  const std::string launcher =
      ranks == 0 ? "" : kMpiexec + " -q --oversubscribe -np " + std::to_string(ranks) + " ";
  return run_shell_capture("env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 " + env + " timeout 300 " +
                           launcher + ATTNLIM_CLI_PATH + " " + args);
}

json read_json(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class Mpi : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kMpiexec.empty()) GTEST_SKIP() << "attnlim was built without MPI (ATTNLIM_MPI=OFF or no MPI found)";
    dir = fs::temp_directory_path() /
          ("attnlim_mpi_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override {
    if (!dir.empty()) fs::remove_all(dir);
  }
  std::string at(const std::string& name) const { return (dir / name).string(); }

  // The JSON of `args` (which writes it to --json FILE) for one process and for 1, 2 and 3 ranks, machine
  // fields dropped: [0] is the single process.
  std::vector<json> json_for_ranks(const std::string& args) {
    std::vector<json> out;
    for (int ranks : {0, 1, 2, 3}) {
      const std::string file = at("out" + std::to_string(ranks) + ".json");
      const CliRun r = run(ranks, args + " --quiet --json " + file);
      EXPECT_EQ(r.status, 0) << ranks << " ranks: " << r.output;
      out.push_back(r.status == 0 ? strip_machine_fields(read_json(file)) : json());
    }
    return out;
  }
  fs::path dir;
};

// Numbers agree within rounding: a value within 1e-12 of the other relatively, or (spreads of a few trials, which
// cancel) within 1e-12 of the largest number of its object; everything else identical.
void expect_close(const json& a, const json& b, const std::string& path, double scale = 0) {
  if (a.is_object()) {
    ASSERT_TRUE(b.is_object()) << path;
    double largest = 0;
    for (auto it = a.begin(); it != a.end(); ++it)
      if (it.value().is_number()) largest = std::max(largest, std::abs(it.value().get<double>()));
    for (auto it = a.begin(); it != a.end(); ++it) expect_close(it.value(), b.at(it.key()), path + "/" + it.key(), largest);
  } else if (a.is_array()) {
    ASSERT_EQ(a.size(), b.size()) << path;
    for (std::size_t i = 0; i < a.size(); ++i) expect_close(a[i], b[i], path + "[" + std::to_string(i) + "]", scale);
  } else if (a.is_number_float()) {
    const double x = a.get<double>(), y = b.get<double>();
    EXPECT_LE(std::abs(x - y), 1e-12 * std::max({std::abs(x), std::abs(y), scale})) << path << ": " << x << " vs " << y;
  } else {
    EXPECT_EQ(a, b) << path;
  }
}

}  // namespace

// Commands whose runs have at least 3 trials: every rank count splits trials, so every number is the one
// process's, bit for bit.
TEST_F(Mpi, EveryCommandGivesTheSameJsonForOneTwoAndThreeRanks) {
  const char* commands[] = {
      // vMF keys and the weighted key sum of --output-vector
      "simulate --d 4 --n 20000 --trials 6 --beta 1,30,300,3000 --top-k 12 --output-vector --keys vmf:kappa=3 "
      "--backend cpu --seed 7",
      "simulate --sampler order --d 16 --n 1e100 --trials 5 --beta 0.5,1,2 --beta-scale critical",
      "critical --d 3 --n-min 1000 --n-max 30000 --n-points 3 --trials 24 --grid-points 8 --bootstrap 50 --backend cpu",
      "self-attention --d 16 --n 300 --gamma 0.5,1,2 --trials 3 --layers 2 --backend cpu",
  };
  for (const char* command : commands) {
    SCOPED_TRACE(command);
    const auto runs = json_for_ranks(command);
    for (std::size_t i = 1; i < runs.size(); ++i) EXPECT_EQ(runs[i], runs[0]) << i - 1 << " ranks";
  }
}

TEST_F(Mpi, OneTrialSpreadOverRanksByKeysMatchesOneProcessWithinRounding) {
  // One trial of 2e6 keys (31 blocks of 65536): the ranks split its keys and rank 0 merges them in rank order.
  const auto runs = json_for_ranks("simulate --d 3 --n 2000000 --trials 1 --beta 1,100,1e4,1e6 --top-k 16 --backend cpu");
  for (std::size_t i = 2; i < runs.size(); ++i) {
    SCOPED_TRACE(std::to_string(i - 1) + " ranks");
    expect_close(runs[i], runs[0], "");
    for (std::size_t b = 0; b < runs[0]["results"].size(); ++b) {  // the nearest keys: identical
      EXPECT_EQ(runs[i]["results"][b]["top_k"]["distance_mean"], runs[0]["results"][b]["top_k"]["distance_mean"]);
      EXPECT_EQ(runs[i]["results"][b]["observables"]["e_min"], runs[0]["results"][b]["observables"]["e_min"]);
    }
  }
}

TEST_F(Mpi, OnlyRankZeroPrints) {
  const CliRun one = run(0, "theory --d 3");
  const CliRun three = run(3, "theory --d 3");
  ASSERT_EQ(three.status, 0) << three.output;
  EXPECT_EQ(three.output, one.output);
}

TEST_F(Mpi, SweepKilledUnderMpiResumesToTheUninterruptedResult) {
  const std::string grid = "sweep --d 32 --sampler full --n 10000000,10100000,10200000,10300000,10400000,10500000 --trials 2 "
                           "--beta-spec abs:10,1000 "
                           "--backend cpu --threads 1 --quiet --out ";
  const CliRun whole = run(2, grid + at("whole"));
  ASSERT_EQ(whole.status, 0) << whole.output;
  // The same sweep, killed (SIGKILL to mpirun) once its first point is on disk, then run again.
  const std::string cmd = "exec env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 " + kMpiexec +
                          " -q --oversubscribe -np 2 " + ATTNLIM_CLI_PATH + " " + grid + at("cut") + " >/dev/null 2>&1";
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto lines = [&] {
    std::ifstream in(at("cut.jsonl"));
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) n += !line.empty();
    return n;
  };
  const auto start = std::chrono::steady_clock::now();
  while (lines() < 1 && std::chrono::steady_clock::now() - start < std::chrono::seconds(120))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the ranks die with their launcher (PDEATHSIG)
  const std::size_t kept = lines();
  ASSERT_GE(kept, 1u);
  ASSERT_LT(kept, 6u) << "the sweep finished before it could be killed: make its points slower";
  const CliRun resumed = run(2, grid + at("cut"));
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  const auto records = [&](const std::string& prefix) {
    json all = json::array();
    std::ifstream in(at(prefix + ".jsonl"));
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) all.push_back(strip_machine_fields(json::parse(line)));
    return all;
  };
  EXPECT_EQ(records("cut"), records("whole"));
  const std::string cut_csv = read_text(at("cut.csv")), whole_csv = read_text(at("whole.csv"));
  EXPECT_EQ(std::count(cut_csv.begin(), cut_csv.end(), '\n'), std::count(whole_csv.begin(), whole_csv.end(), '\n'));
}

// A failure ends the job, not only the rank: non-zero, and well before the 300 s of `timeout` (whose 124 would
// mean a hang).
void expect_ended_by_failure(const CliRun& r, double seconds) {
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.status, 124) << "the job hung until timeout killed it";
  EXPECT_LT(seconds, 60.0) << r.output;
}

TEST_F(Mpi, AFailingRankEndsTheJobWithItsMessageAndNoOutput) {
  const std::string args = "simulate --d 3 --n 100000 --trials 4 --beta 1 --backend cpu --quiet --json " + at("out.json");
  const auto timed = [&](int ranks, const std::string& a, const std::string& env) {
    const auto start = std::chrono::steady_clock::now();
    const CliRun r = run(ranks, a, env);
    expect_ended_by_failure(r, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return r;
  };
  {
    SCOPED_TRACE("an error in rank 1's part: every rank stops, rank 0 prints it");
    const CliRun r = timed(3, args, "ATTNLIM_TEST_RANK_FAILURE=1:error");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_EQ(r.output, "attnlim: failed: rank 1: failure injected by ATTNLIM_TEST_RANK_FAILURE (error)\n");
  }
  {
    SCOPED_TRACE("rank 2 fails alone, outside any collective: it names itself and aborts the job");
    const CliRun r = timed(3, args, "ATTNLIM_TEST_RANK_FAILURE=2:alone");
    EXPECT_NE(r.output.find("attnlim: rank 2: failed: failure injected by ATTNLIM_TEST_RANK_FAILURE (alone)"),
              std::string::npos)
        << r.output;
  }
  {
    SCOPED_TRACE("rank 1 is killed: the launcher ends the job");
    timed(2, args, "ATTNLIM_TEST_RANK_FAILURE=1:kill");
  }
  {
    SCOPED_TRACE("bad input: one line, from rank 0, exit 2");
    const CliRun r = timed(3, "simulate --d 1 --n 100 --beta 1 --json " + at("out.json"), "");
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.output, "attnlim: error: --d: must be at least 2 (got 1)\n");
  }
  {
    SCOPED_TRACE("an output path rank 0 cannot write: rank 0 checks, every rank stops, one line");
    const CliRun r = timed(3, "simulate --d 3 --n 100 --beta 1 --json " + at("no/such/folder/out.json"), "");
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.output, "attnlim: error: --json: folder '" + at("no/such/folder") + "' does not exist\n");
  }
  EXPECT_FALSE(fs::exists(at("out.json")));
  EXPECT_TRUE(fs::is_empty(dir)) << "a temporary file was left behind";
}

// Ctrl-C or a scheduler's SIGTERM reaches mpirun, which passes it to the ranks: every rank stops within about a
// second, rank 0 says so in one line, and no output file is written.
TEST_F(Mpi, SigtermStopsEveryRankWithOneLineAndNoOutput) {
  const std::string cmd = "exec env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 " + kMpiexec +
                          " -q --oversubscribe -np 2 " + ATTNLIM_CLI_PATH +
                          " simulate --d 3 --n 1000000000 --trials 2 --beta 1 --backend cpu --quiet --json " +
                          at("out.json") + " > " + at("stderr") + " 2>&1";
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // inside the key loop (about 13 s in all)
  kill(pid, SIGTERM);
  const auto start = std::chrono::steady_clock::now();
  int status = 0;
  waitpid(pid, &status, 0);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 5.0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0);
  const std::string err = read_text(at("stderr"));
  const std::string line = "attnlim: interrupted by SIGTERM";
  EXPECT_NE(err.find(line), std::string::npos) << err;
  EXPECT_EQ(err.find(line), err.rfind(line)) << "more than one rank printed:\n" << err;
  EXPECT_FALSE(fs::exists(at("out.json")));
}

// Rank 0 shows the progress line (the other ranks send it their counts; --quiet is not given here).
TEST_F(Mpi, TheProgressLineCoversEveryRank) {
  const CliRun r = run(2, "simulate --d 3 --n 300000000 --trials 2 --beta 1 --backend cpu --threads 1");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("(2 trials, cpu): "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("% of 6e+08 keys"), std::string::npos) << r.output;
}
