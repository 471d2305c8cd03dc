// The command-line contract: bad input gives one line and exit 2 with no file created or changed;
// good input writes the documented JSON and CSV.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <algorithm>

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

struct CliRun {
  int status;
  std::string output;
};

static CliRun run_cli(const std::string& args) {
  const std::string cmd = std::string(ATTNLIM_CLI_PATH) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (pipe && fgets(buf, sizeof buf, pipe)) out += buf;
  const int raw = pipe ? pclose(pipe) : -1;
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, out};
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("attnlim_cli_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  fs::path dir;
};

TEST_F(Cli, BadInputExitsTwoWithOneLineAndNoFile) {
  const std::string json = (dir / "out.json").string(), csv = (dir / "out.csv").string();
  const std::string files = " --json " + json + " --csv " + csv;
  const std::pair<std::string, std::string> cases[] = {
      {"--n 100 --d 1", "--d"},
      {"--n 0", "--n"},
      {"--n 100 --trials 0", "--trials"},
      {"--n 5 --top-k 6", "--top-k"},
      {"--n 1000 --top-k 65", "--top-k"},
      {"--n 100 --beta=-1", "--beta"},
      {"--n 100 --beta nan", "--beta"},
      {"--n 100 --beta inf", "--beta"},
      {"--n 100 --beta 1,-2", "--beta"},
      {"--n 100 --backend tpu", "--backend"},
      {"--n 100 --beta-scale weird", "--beta-scale"},
      {"--n 100 --beta-scale critical --beta=-1", "--beta"},
      {"--n 100 --sampler projected --output-vector", "--sampler"},
  };
  for (const auto& [args, flag] : cases) {
    const CliRun r = run_cli("simulate --trials 2 " + args + files);
    EXPECT_EQ(r.status, 2) << args << ": " << r.output;
    EXPECT_NE(r.output.find(flag), std::string::npos) << args << ": " << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << args << ": " << r.output;
    EXPECT_FALSE(fs::exists(json)) << args;
    EXPECT_FALSE(fs::exists(csv)) << args;
  }
  const CliRun missing = run_cli("simulate --n 10 --trials 1 --json " + (dir / "no/such/out.json").string());
  EXPECT_EQ(missing.status, 2) << missing.output;
}

TEST_F(Cli, CudaWithoutDeviceIsAnInputError) {
  const CliRun probe = run_cli("simulate --n 10 --trials 1 --backend cuda");
  if (probe.status == 0) GTEST_SKIP() << "a CUDA device is present: nothing to check here";
  EXPECT_EQ(probe.status, 2) << probe.output;
  EXPECT_NE(probe.output.find("--backend"), std::string::npos) << probe.output;
}

TEST_F(Cli, ExistingOutputIsNotChangedByBadInput) {
  const fs::path json = dir / "keep.json";
  std::ofstream(json) << "precious";
  const CliRun r = run_cli("simulate --d 0 --json " + json.string());
  EXPECT_EQ(r.status, 2);
  std::ifstream in(json);
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "precious");
}

TEST_F(Cli, WritesDocumentedJsonAndCsv) {
  const fs::path json = dir / "out.json", csv = dir / "out.csv";
  const CliRun r = run_cli("simulate --d 3 --n 2000 --trials 5 --beta 0,0.5,2 --beta-scale critical --top-k 3 "
                           "--backend cpu --output-vector --json " + json.string() + " --csv " + csv.string());
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream in(json);
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["backend"], "cpu");
  EXPECT_GT(j["keys_per_second"].get<double>(), 0);
  EXPECT_EQ(j["config"]["d"], 3);
  ASSERT_EQ(j["results"].size(), 3u);
  // critical scale in d = 3: beta = lambda (n c_3)^{2/2} = lambda n / 2
  EXPECT_DOUBLE_EQ(j["results"][1]["beta"].get<double>(), 0.5 * 2000 / 2.0);
  for (const char* name : {"e_min", "w_max", "ipr", "entropy", "bias", "o_radial", "o_tangential"}) {
    EXPECT_TRUE(j["results"][2]["observables"][name].contains("mean")) << name;
    EXPECT_TRUE(j["results"][2]["observables"][name].contains("stderr")) << name;
  }
  std::ifstream c(csv);
  std::string line;
  int rows = 0;
  while (std::getline(c, line)) ++rows;
  EXPECT_EQ(rows, 1 + 5 * 3);  // header + one row per (trial, beta)
  EXPECT_EQ(fs::directory_iterator(dir) == fs::directory_iterator(), false);
  int files = 0;
  for (auto& e : fs::directory_iterator(dir)) (void)e, ++files;
  EXPECT_EQ(files, 2);  // no temporary file left behind
}
