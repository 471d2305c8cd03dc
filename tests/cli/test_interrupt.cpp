// Every long run stops cleanly when asked: SIGINT or SIGTERM ends it within about a second with one line,
// exit 130 or 143, and every output as it was; a sweep keeps its finished points and resumes to the same
// result; verify keeps the claims it finished and resumes. --quiet keeps stderr empty; a longer run shows its progress.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace fs = std::filesystem;
using attnlim_test::spawn_cli;
using attnlim_test::wait_for_exit;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t count_lines(const fs::path& p) {
  std::ifstream in(p);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) n += !line.empty();
  return n;
}

class Interrupt : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("attnlim_interrupt_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string at(const std::string& name) const { return (dir / name).string(); }
  fs::path dir;
};

// A simulate of about 2 minutes on 2 cores: it is mid-run when the signal comes.
const std::vector<std::string> kLongSimulate = {"simulate", "--d",       "3",        "--n",    "1e10",
                                                "--trials", "2",         "--beta",   "1",      "--sampler",
                                                "projected", "--backend", "cpu"};

}  // namespace

TEST_F(Interrupt, SignalStopsALongSimulateWithinASecondAndWritesNothing) {
  for (const int signal : {SIGINT, SIGTERM}) {
    SCOPED_TRACE(signal == SIGINT ? "SIGINT" : "SIGTERM");
    std::vector<std::string> args = kLongSimulate;
    for (const std::string& flag : {"--json", "--csv"}) args.insert(args.end(), {flag, at("out" + flag.substr(2))});
    const pid_t pid = spawn_cli(args, "/dev/null", at("stderr"));
    std::this_thread::sleep_for(std::chrono::milliseconds(800));  // past start-up, inside the key loop
    kill(pid, signal);
    const attnlim_test::ChildExit exit = wait_for_exit(pid, 5.0);
    ASSERT_TRUE(exit.exited) << "still running 5 s after the signal";
    EXPECT_LT(exit.seconds, 2.0);
    EXPECT_EQ(exit.code, 128 + signal);
    const std::string err = read_text(dir / "stderr");
    EXPECT_NE(err.find(std::string("interrupted by ") + (signal == SIGINT ? "SIGINT" : "SIGTERM")), std::string::npos)
        << err;
    EXPECT_FALSE(fs::exists(dir / "outjson"));
    EXPECT_FALSE(fs::exists(dir / "outcsv"));
    fs::remove(dir / "stderr");
    EXPECT_TRUE(fs::is_empty(dir)) << "no temporary file left behind";
  }
}

TEST_F(Interrupt, SweepKeepsFinishedPointsAndResumesToTheSameResult) {
  const auto sweep = [&](const std::string& prefix) {
    return std::vector<std::string>{"sweep", "--d", "3,4", "--n", "200000,400000,800000", "--beta-spec",
                                    "critical:0.5,1,2", "--trials", "24", "--sampler", "full", "--backend", "cpu",
                                    "--out", at(prefix)};
  };
  ASSERT_EQ(wait_for_exit(spawn_cli(sweep("whole")), 120).code, 0);
  ASSERT_EQ(count_lines(dir / "whole.jsonl"), 6u);
  const pid_t pid = spawn_cli(sweep("part"), "/dev/null", at("stderr"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (count_lines(dir / "part.jsonl") < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  kill(pid, SIGINT);
  const attnlim_test::ChildExit exit = wait_for_exit(pid, 5.0);
  ASSERT_TRUE(exit.exited);
  EXPECT_EQ(exit.code, 130) << read_text(dir / "stderr");
  const std::size_t kept = count_lines(dir / "part.jsonl");
  ASSERT_GE(kept, 2u);
  ASSERT_LT(kept, 6u) << "the signal came too late to test anything";
  EXPECT_EQ(read_text(dir / "part.jsonl").back(), '\n') << "no torn record: the interrupted point was not written";
  ASSERT_EQ(wait_for_exit(spawn_cli(sweep("part")), 120).code, 0);
  EXPECT_EQ(read_text(dir / "part.csv"), read_text(dir / "whole.csv"));
}

// An interrupted verify keeps the claims it finished (claims/<id>.json) and writes no report; the same command
// resumes from them (a claim done earlier is not run again) and then writes the report.
TEST_F(Interrupt, VerifyKeepsFinishedClaimsAndResumes) {
  // Claims run in report order: with --quick, subcritical-bias (0.2 s), then head-dim-crossover (about 17 s on 2
  // cores), inside which the signal comes.
  const std::vector<std::string> verify = {"verify",   "--claims", "subcritical-bias,head-dim-crossover",
                                           "--quick",  "--backend", "cpu", "--quiet", "--out", at("v/nested")};
  const pid_t pid = spawn_cli(verify);
  const fs::path done = dir / "v" / "nested" / "claims" / "subcritical-bias.json";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(done) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(fs::exists(done)) << "subcritical-bias never finished";
  kill(pid, SIGINT);  // inside head-dim-crossover
  const attnlim_test::ChildExit exit = wait_for_exit(pid, 5.0);
  ASSERT_TRUE(exit.exited);
  EXPECT_EQ(exit.code, 130);
  EXPECT_TRUE(fs::exists(done));
  EXPECT_FALSE(fs::exists(dir / "v" / "nested" / "report.html"));
  const std::string before = read_text(done);
  // The same command again: subcritical-bias is taken from claims/, head-dim-crossover runs.
  ASSERT_EQ(wait_for_exit(spawn_cli(verify, at("again.out")), 180).code, 0);
  const std::string again = read_text(dir / "again.out");
  EXPECT_NE(again.find("subcritical-bias         agrees          (done earlier"), std::string::npos) << again;
  EXPECT_EQ(read_text(done), before);
  EXPECT_TRUE(fs::exists(dir / "v" / "nested" / "claims" / "head-dim-crossover.json"));
  EXPECT_TRUE(fs::exists(dir / "v" / "nested" / "report.html"));
}

TEST_F(Interrupt, QuietKeepsStderrEmptyAndALongerRunShowsProgress) {
  // About 3 s on 2 cores: past the 2 s before the first progress line.
  const std::vector<std::string> run = {"simulate", "--d",       "3",         "--n",     "2e8", "--trials", "2",
                                        "--beta",   "1",         "--sampler", "projected", "--backend", "cpu"};
  std::vector<std::string> quiet = run;
  quiet.push_back("--quiet");
  ASSERT_EQ(wait_for_exit(spawn_cli(quiet, "/dev/null", at("quiet.err")), 60).code, 0);
  EXPECT_EQ(read_text(dir / "quiet.err"), "");
  ASSERT_EQ(wait_for_exit(spawn_cli(run, "/dev/null", at("loud.err")), 60).code, 0);
  const std::string loud = read_text(dir / "loud.err");
  // stderr is a file here, not a terminal: plain lines (or none, on a machine fast enough to end within 2 s).
  if (!loud.empty()) {
    EXPECT_NE(loud.find("simulate d=3 n=200000000 (2 trials, cpu): "), std::string::npos) << loud;
    EXPECT_NE(loud.find("% of 4e+08 keys"), std::string::npos) << loud;
    EXPECT_NE(loud.find("ETA"), std::string::npos) << loud;
    EXPECT_EQ(loud.find('\r'), std::string::npos) << loud;
  }
}
