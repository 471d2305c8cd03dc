// The command-line contract: bad input gives one line and exit 2 with no file created or changed;
// good input writes the documented JSON and CSV.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "attnlim/engine/run_spec.hpp"
#include "attnlim/io/parse.hpp"
#include "attnlim/core/errors.hpp"
#include "attnlim/io/files.hpp"
#include "support/cli_runner.hpp"

namespace fs = std::filesystem;

static CliRun run_cli(const std::string& args) { return run_cli_capture(args); }

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("attnlim_cli_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  // Everything under dir, without following links or opening FIFOs: type, link target, content and
  // modification time (a rewrite with the same content still shows).
  std::map<std::string, std::string> snapshot() const {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      const auto type = e.symlink_status().type();
      std::string what = std::to_string(static_cast<int>(type));
      if (type == fs::file_type::symlink) what += " -> " + fs::read_symlink(e.path()).string();
      if (type == fs::file_type::regular) {
        std::ifstream in(e.path(), std::ios::binary);
        what += " " + std::string((std::istreambuf_iterator<char>(in)), {}) + " @" +
                std::to_string(fs::last_write_time(e.path()).time_since_epoch().count());
      }
      files[fs::relative(e.path(), dir).string()] = what;
    }
    return files;
  }

  // A file that exists before the run, an hour old, so that any rewrite changes its time.
  std::string keep(const std::string& name, const std::string& content = "precious\n") const {
    const fs::path p = dir / name;
    std::ofstream(p) << content;
    fs::last_write_time(p, fs::file_time_type::clock::now() - std::chrono::hours(1));
    return p.string();
  }

  // The contract for bad input: exit 2, one line naming `flag` (and containing `words`), and nothing
  // under dir created or changed.
  void expect_refused(const std::string& args, const std::string& flag, const std::string& words = "") const {
    const auto before = snapshot();
    const CliRun r = run_cli(args);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.output;
    EXPECT_EQ(r.output.rfind("attnlim: error: " + flag, 0), 0u) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(words), std::string::npos) << args << "\n" << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << args << "\n" << r.output;
    EXPECT_EQ(snapshot(), before) << args;
  }

  std::string at(const std::string& name) const { return (dir / name).string(); }
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
  for (const char* name : {"e_min", "w_max", "ipr", "entropy", "bias", "o_e1", "o_e2", "o_rest"}) {
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

// ---- bad input and output safety -------------------------------------------------------------------
// Every run here is small (n <= 1000, few trials): the whole file stays within seconds.

static std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// A verify run of a second (were it to run); --backend is the callers'.
static const std::string kSmallVerify = "verify --claims subcritical-bias --quick";
static const std::string kSmallVerifyD3 = kSmallVerify + " --backend cpu";

TEST_F(Cli, VerifyOutMustBeAFolderAndNotEmpty) {
  expect_refused(kSmallVerifyD3 + " --out ''", "--out", "empty");
  const std::string file = keep("exist.csv");
  expect_refused(kSmallVerifyD3 + " --out " + file, "--out", "is a file, not a folder");
  const std::string fifo = at("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  expect_refused(kSmallVerifyD3 + " --out " + fifo, "--out", "FIFO");
  // Inside an existing folder, each file it would write is checked too.
  fs::create_directories(dir / "v" / "summary.json");
  expect_refused(kSmallVerifyD3 + " --out " + at("v"), "--out", "summary.json");
}

// --strict: exit 0 while every claim agrees; 3 with one line naming a claim that disagrees (here a kept claim
// whose verdict was edited to "disagrees", which verify resumes from), after writing the report; without
// --strict the same run exits 0, and so does a --strict run of other claims.
TEST_F(Cli, VerifyStrictExitsThreeWhenAClaimDisagrees) {
  const std::string run = kSmallVerifyD3 + " --quiet --out " + at("v");
  const CliRun agrees = run_cli(run + " --strict");
  ASSERT_EQ(agrees.status, 0) << agrees.output;
  ASSERT_NE(agrees.output.find("subcritical-bias         agrees"), std::string::npos) << agrees.output;
  const fs::path kept = dir / "v" / "claims" / "subcritical-bias.json";
  nlohmann::json claim = nlohmann::json::parse(read_text(kept));
  claim["claim"]["verdict"] = "disagrees";
  std::ofstream(kept) << claim.dump() << "\n";
  fs::remove(dir / "v" / "report.html");
  const CliRun strict = run_cli(run + " --strict");
  EXPECT_EQ(strict.status, 3) << strict.output;
  EXPECT_NE(strict.output.find("attnlim: verify --strict: 1 of 1 claims disagree: subcritical-bias (see "),
            std::string::npos)
      << strict.output;
  EXPECT_TRUE(fs::exists(dir / "v" / "report.html")) << "the report is written before the exit";
  EXPECT_NE(read_text(dir / "v" / "summary.json").find("disagrees"), std::string::npos);
  EXPECT_EQ(run_cli(run).status, 0);
  // A kept claim that disagrees but is not among --claims does not count.
  const CliRun other = run_cli("verify --claims critical-law --quick --backend cpu --quiet --strict --out " + at("v"));
  EXPECT_EQ(other.status, 0) << other.output;
  EXPECT_NE(read_text(dir / "v" / "summary.json").find("disagrees"), std::string::npos);
}

TEST_F(Cli, OutputsAreWrittenThroughSymlinks) {
  const std::string target = keep("target.csv", "old\n");
  fs::create_symlink("target.csv", dir / "link.csv");
  fs::create_symlink("new.json", dir / "dangling.json");  // a link to a file not yet there: created
  const CliRun r = run_cli("simulate --n 100 --trials 1 --beta 1 --backend cpu --csv " + at("link.csv") + " --json " +
                           at("dangling.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(fs::is_symlink(dir / "link.csv"));
  EXPECT_EQ(read_text(target).rfind("trial,beta_value", 0), 0u) << read_text(target);
  EXPECT_TRUE(fs::is_symlink(dir / "dangling.json"));
  ASSERT_TRUE(fs::is_regular_file(dir / "new.json"));
  EXPECT_FALSE(nlohmann::json::parse(read_text(dir / "new.json"), nullptr, false).is_discarded());
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  EXPECT_EQ(names, (std::set<std::string>{"target.csv", "link.csv", "dangling.json", "new.json"}));  // no temp file

  // A sweep's two files through links too (the JSON-lines file is appended through its link).
  fs::create_symlink("real.jsonl", dir / "s.jsonl");
  const CliRun s = run_cli("sweep --n 100 --beta-spec abs:1 --trials 2 --backend cpu --out " + at("s"));
  ASSERT_EQ(s.status, 0) << s.output;
  EXPECT_TRUE(fs::is_symlink(dir / "s.jsonl"));
  const std::string records = read_text(dir / "real.jsonl");
  EXPECT_EQ(std::count(records.begin(), records.end(), '\n'), 1);
}

TEST_F(Cli, NonRegularOutputsAndBrokenLinksAreRefused) {
  const std::string fifo = at("fifo.csv");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  fs::create_symlink("fifo.csv", dir / "to_fifo.json");
  fs::create_symlink("missing/out.json", dir / "broken.json");
  fs::create_directories(dir / "folder.json");
  const std::string base = "simulate --n 100 --trials 1 --beta 1 --backend cpu ";
  expect_refused(base + "--csv " + fifo, "--csv", "FIFO");
  expect_refused(base + "--json " + at("to_fifo.json"), "--json", "FIFO");
  expect_refused(base + "--json " + at("broken.json"), "--json", "does not exist");
  expect_refused(base + "--json " + at("folder.json"), "--json", "folder");
  expect_refused("critical --d 3 --n-min 100 --n-max 1000 --n-points 2 --trials 8 --json " + fifo, "--json", "FIFO");
  expect_refused("sweep --n 100 --beta-spec abs:1 --trials 2 --out " + at("fifo"), "--out", "FIFO");
  // (Device nodes are deliberately not used here: a build without this check would replace one.)
  // Two outputs that are one file, by name or through a link.
  const std::string same = at("same");
  expect_refused(base + "--csv " + same + " --json " + same, "--json", "same file");
  fs::create_symlink("same", dir / "alias");
  expect_refused(base + "--csv " + same + " --json " + at("alias"), "--json", "same file");
}

TEST_F(Cli, SweepRefusesLinesThatAreNotRecordsWithoutTouchingTheFile) {
  const std::string prefix = at("p");
  const std::string sweep = "sweep --n 100 --beta-spec abs:1 --trials 2 --backend cpu --out " + prefix;
  const std::pair<const char*, const char*> cases[] = {
      {"my notes\n", "line 1"},
      {"123\n", "line 1"},
      {"{\"sweep\":{}}\n", "line 1"},
      {"\n{\"sweep\":{},\"d\":3,\"n\":100,\"results\":[{\"beta\":1}]}\n", "line 2"},
      {"notes without a newline", "line 1"},
  };
  for (const auto& [content, words] : cases) {
    keep("p.jsonl", content);
    expect_refused(sweep, "--out", words);
    EXPECT_FALSE(fs::exists(prefix + ".csv"));
  }
}

TEST_F(Cli, SweepDropsOnlyATornLastLineAndOnlyWhenItRuns) {
  const std::string prefix = at("p");
  const std::string sweep = "sweep --n 100,200 --beta-spec abs:1 --trials 2 --backend cpu --out " + prefix;
  ASSERT_EQ(run_cli(sweep).status, 0);
  const std::string finished = read_text(prefix + ".jsonl");
  keep("p.jsonl", finished + "{\"sweep\":{\"tri");  // killed in the middle of an append
  keep("p.csv", "old csv\n");
  // Another configuration is refused before the torn line is dropped: nothing changes.
  expect_refused("sweep --n 100,200 --beta-spec abs:1 --trials 3 --backend cpu --out " + prefix, "--out",
                 "another configuration");
  // The same configuration resumes: the torn line goes, the finished points stay.
  ASSERT_EQ(run_cli(sweep).status, 0);
  EXPECT_EQ(read_text(prefix + ".jsonl"), finished);
}

TEST_F(Cli, SweepChecksBothOutputsBeforeAnyWork) {
  fs::create_directories(dir / "p.csv");
  expect_refused("sweep --n 100 --beta-spec abs:1 --trials 2 --backend cpu --out " + at("p"), "--out", "p.csv");
  fs::create_directories(dir / "sub");
  expect_refused("sweep --n 100 --beta-spec abs:1 --trials 2 --backend cpu --out " + at("sub") + "/", "--out",
                 "no file name");
}

TEST_F(Cli, CriticalNeedsNWhereTheCrossingExists) {
  const std::string json = keep("c.json");
  expect_refused("critical --d 3 --n-min 2 --n-max 100 --n-points 4 --trials 20 --json " + json, "--n-min",
                 "smallest valid n is 3");
  expect_refused("critical --d 3 --n-min 5 --n-max 100 --n-points 4 --trials 20 --observable w_max --target 0.2 "
                 "--json " + json, "--n-min", "smallest valid n is 6");
  expect_refused("critical --d 3 --n-min 5 --n-max 100 --n-points 4 --trials 20 --observable entropy --target 2 "
                 "--json " + json, "--n-min", "smallest valid n is 8");
}

TEST_F(Cli, VerifyChecksTheBackendBeforePrintingOrCreating) {
  const CliRun probe = run_cli("simulate --n 10 --trials 1 --backend cuda");
  if (probe.status == 0) GTEST_SKIP() << "a CUDA device is present: nothing to check here";
  expect_refused(kSmallVerify + " --backend cuda --out " + at("v"), "--backend");
  expect_refused("sweep --n 100 --beta-spec abs:1 --trials 2 --backend cuda --out " + at("p"), "--backend");
  expect_refused("critical --d 3 --n-min 100 --n-max 1000 --n-points 2 --trials 8 --backend cuda", "--backend");
}

TEST_F(Cli, EmptyValuesAreRefused) {
  const std::string base = "simulate --n 100 --trials 1 --backend cpu ";
  expect_refused(base + "--beta ''", "--beta", "empty");
  expect_refused(base + "--beta 1,,2", "--beta", "empty item");
  expect_refused(base + "--beta 1,", "--beta", "empty item");
  expect_refused("sweep --n 100 --beta-spec abs:1,,2 --trials 2 --out " + at("p"), "--beta-spec", "empty item");
  expect_refused(base + "--csv ''", "--csv", "empty");
  expect_refused(base + "--json ''", "--json", "empty");
  expect_refused("simulate --trials 1 --n ''", "--n", "empty");
  expect_refused("critical --d 3 --n-min 100 --n-max 1000 --n-points 2 --trials 8 --json ''", "--json", "empty");
  expect_refused("critical --d 3 --target ''", "--target", "empty");
  expect_refused("sweep --d '' --n 100 --beta-spec abs:1 --out " + at("p"), "--d", "empty");
  expect_refused("sweep --n 100 --beta-spec abs:1 --out ''", "--out", "empty");
}

TEST_F(Cli, IntegersMustFitExactly) {
  const std::string sim = "simulate --n 100 --trials 1 --beta 1 --backend cpu ";
  const std::string crit = "critical --d 3 --n-min 100 --n-max 1000 --n-points 2 ";
  const std::string sweep = "sweep --n 100 --beta-spec abs:1 --trials 2 --backend cpu --out " + at("p") + " ";
  const std::pair<std::string, std::string> cases[] = {
      {"simulate --trials 1 --beta 1 --n 99999999999999999999", "--n"},
      {"simulate --trials 1 --beta 1 --n 9223372036854775809", "--n"},
      {"simulate --trials 1 --beta 1 --n 1.5", "--n"},
      {"simulate --trials 1 --beta 1 --n=-5", "--n"},
      {sim + "--seed=-1", "--seed"},
      {sim + "--seed 18446744073709551616", "--seed"},
      {sim + "--trials 4294967297", "--trials"},
      {sim + "--d 4294967299", "--d"},
      {sim + "--top-k=-1", "--top-k"},
      {sim + "--threads=-1", "--threads"},
      {sim + "--chunk=-1", "--chunk"},
      {sim + "--chunk 0x10", "--chunk"},
      {crit + "--trials=-1", "--trials"},
      {crit + "--trials 8 --trials 9", "--trials"},  // given twice
      {crit + "--grid-points 4294967300", "--grid-points"},
      {crit + "--bootstrap=-1", "--bootstrap"},
      {crit + "--seed=-1", "--seed"},
      {crit + "--threads 1e12", "--threads"},
      {"critical --d 3 --n-points 4294967298", "--n-points"},
      {"critical --d=-3", "--d"},
      {sweep + "--trials=-1", "--trials"},
      {sweep + "--top-k 1e20", "--top-k"},
      {sweep + "--seed=-1", "--seed"},
      {"sweep --d 3,-4 --n 100 --beta-spec abs:1 --out " + at("p"), "--d"},
      {"sweep --n 100,1.5 --beta-spec abs:1 --out " + at("p"), "--n"},
      {"sweep --n-min 1.5e0 --n-max 1e3 --n-points 2 --beta-spec abs:1 --out " + at("p"), "--n-min"},
      {kSmallVerify + " --seed=-1 --out " + at("v"), "--seed"},
  };
  for (const auto& [args, flag] : cases) expect_refused(args, flag);
  // The rule is said, not a consequence of it.
  expect_refused(crit + "--trials=-1", "--trials", "at least 8 (got -1)");
  expect_refused(sim + "--seed=-1", "--seed", "(got -1)");
  // Exact integers in 1e3 notation are accepted everywhere n is.
  EXPECT_EQ(run_cli("simulate --n 1e2 --trials 1e0 --beta 1 --backend cpu").status, 0);
  EXPECT_EQ(run_cli("sweep --n-min 1e2 --n-max 2e2 --n-points 2 --beta-spec abs:1 --trials 2 --backend cpu --out " +
                    at("q")).status, 0);
}

TEST_F(Cli, DuplicatesAndConflictsAreRefused) {
  const std::string out = " --trials 2 --backend cpu --out " + at("p");
  expect_refused("sweep --d 3,3 --n 100 --beta-spec abs:1" + out, "--d", "twice");
  expect_refused("sweep --d 3 --d 3 --n 100 --beta-spec abs:1" + out, "--d", "twice");
  expect_refused("sweep --n 100,1e2 --beta-spec abs:1" + out, "--n", "twice");
  expect_refused("sweep --n 100 --beta-spec abs:1,1" + out, "--beta-spec", "twice");
  expect_refused("sweep --n 100 --beta-spec abs:1 --beta-spec abs:1" + out, "--beta-spec", "twice");
  expect_refused("sweep --n-min 10 --n-max 100 --n-points 1 --beta-spec abs:1" + out, "--n-points");
  expect_refused("sweep --n 100 --n-min 10 --n-max 100 --n-points 2 --beta-spec abs:1" + out, "--n");
  expect_refused("verify --claims locality,locality --backend cpu --out " + at("v"), "--claims", "twice");
  expect_refused("simulate --n 100 --trials 1 --beta 1,1", "--beta", "twice");
}

TEST_F(Cli, DefaultTopKFollowsSmallN) {
  EXPECT_EQ(run_cli("simulate --n 5 --trials 2 --beta 1 --backend cpu").status, 0);
  EXPECT_EQ(run_cli("sweep --n 5,100 --beta-spec abs:1 --trials 2 --backend cpu --out " + at("p")).status, 0);
  // Set explicitly, k > n is still an error.
  expect_refused("simulate --n 5 --trials 2 --beta 1 --top-k 8", "--top-k", "k = 8 > n = 5");
  expect_refused("sweep --n 5 --beta-spec abs:1 --trials 2 --top-k 8 --out " + at("q"), "--top-k");
}

TEST_F(Cli, UnknownCommandIsNamed) {
  const CliRun r = run_cli("bogus");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("unknown command 'bogus'"), std::string::npos) << r.output;
  for (const char* name : {"simulate", "theory", "sweep", "critical", "verify"})
    EXPECT_NE(r.output.find(name), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
}

TEST_F(Cli, RejectionQuotesTheValueAsTyped) {
  expect_refused("simulate --n 100 --trials 1 --beta-scale critical --beta=-1", "--beta", "(got -1)");
  expect_refused("simulate --n 100 --trials 1 --beta-scale critical --beta 1e308", "--beta", "1e308 on the critical");
}

TEST_F(Cli, CriticalTableShowsNotApplicableInsteadOfNan) {
  const CliRun r = run_cli("critical --d 3 --n-min 100 --n-max 300 --n-points 2 --trials 8 --bootstrap 20 "
                           "--backend cpu --observable w_max 2>/dev/null");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.find("nan"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("n/a"), std::string::npos) << r.output;
}

TEST_F(Cli, HelpTextFitsEachCommand) {
  const CliRun critical = run_cli("critical --help");
  EXPECT_EQ(critical.output.find("verify"), std::string::npos) << critical.output;
  EXPECT_EQ(critical.output.find("0 picks"), std::string::npos) << critical.output;
  EXPECT_NE(run_cli("verify --help").output.find("--quick"), std::string::npos);
  expect_refused("verify --claims critical-exponent,nosuch", "--claims", "unknown claim 'nosuch'");
}

// The README's synopsis of each command names exactly the flags of its --help, and states the limits.
TEST(CliReadme, SynopsesMatchHelp) {
  const std::string readme = read_text(fs::path(ATTNLIM_SOURCE_DIR) / "README.md");
  const std::regex flag("--[a-z][a-z-]*");
  for (const char* command : {"simulate", "theory", "sweep", "critical", "verify", "heat", "analyze", "self-attention"}) {
    const std::string heading = std::string("### `attnlim ") + command + "`";
    const auto section = readme.find(heading);
    ASSERT_NE(section, std::string::npos) << heading;
    const auto open = readme.find("```", section), close = readme.find("```", open + 3);
    ASSERT_NE(close, std::string::npos) << command;
    ASSERT_LT(close, readme.find("\n##", section + 1)) << command << ": no synopsis block";
    const std::string synopsis = readme.substr(open, close - open);
    std::set<std::string> documented, offered;
    for (std::sregex_iterator it(synopsis.begin(), synopsis.end(), flag), end; it != end; ++it) documented.insert(it->str());
    const std::string help = run_cli(std::string(command) + " --help").output;
    for (std::sregex_iterator it(help.begin(), help.end(), flag), end; it != end; ++it)
      if (help.compare(it->position() - 2, 2, "  ") == 0 || help.compare(it->position() - 1, 1, ",") == 0)
        offered.insert(it->str());  // option names start a help line (or follow "-h,")
    offered.erase("--help");
    EXPECT_EQ(documented, offered) << command;
  }
  EXPECT_NE(readme.find("64 betas"), std::string::npos);
  EXPECT_NE(readme.find("64 nearest keys"), std::string::npos);
}

// ---- the shared parsers (attnlim/config.hpp, attnlim/io.hpp) ----------------------------------------

TEST(CliParsing, WholeNumbersAreExact) {
  using attnlim::parse_whole;
  const std::uint64_t all = ~std::uint64_t{0};
  EXPECT_EQ(parse_whole("--n", "1000", 1, all), 1000u);
  EXPECT_EQ(parse_whole("--n", "1e3", 1, all), 1000u);
  EXPECT_EQ(parse_whole("--n", "1.5e3", 1, all), 1500u);
  EXPECT_EQ(parse_whole("--n", "100e-2", 1, all), 1u);
  EXPECT_EQ(parse_whole("--n", "+7", 1, all), 7u);
  EXPECT_EQ(parse_whole("--n", "-0", 0, all), 0u);
  EXPECT_EQ(parse_whole("--seed", "18446744073709551615", 0, all), all);
  EXPECT_EQ(parse_whole("--n", "9223372036854775808", 1, attnlim::kMaxKeys), attnlim::kMaxKeys);
  for (const char* bad : {"", " 1", "1 ", "1.5", "1.5e0", "1e", "1e+", "0x10", "abc", "1,000", "18446744073709551616",
                          "1e20", "-1", "nan", "inf", "1e-1"})
    EXPECT_THROW(parse_whole("--n", bad, 0, all), attnlim::InputError) << bad;
  try {
    parse_whole("--trials", "-1", 8, 100);
    FAIL();
  } catch (const attnlim::InputError& e) {
    EXPECT_STREQ(e.what(), "--trials: must be at least 8 (got -1)");
  }
}

TEST(CliParsing, ListsRefuseEmptyItemsAndRepeats) {
  EXPECT_EQ(attnlim::parse_beta_values("--beta", "0,0.5,2"), (std::vector<double>{0, 0.5, 2}));
  EXPECT_EQ(attnlim::parse_whole_list("--d", "3,4", 2, 10), (std::vector<std::uint64_t>{3, 4}));
  for (const char* bad : {"", ",", "1,", ",1", "1,,2", "1,1", "1,-1", "1,inf", "1,x"})
    EXPECT_THROW(attnlim::parse_beta_values("--beta", bad), attnlim::InputError) << bad;
  EXPECT_THROW(attnlim::parse_whole_list("--d", "3,3.0", 2, 10), attnlim::InputError);
  EXPECT_THROW(attnlim::parse_whole_list("--d", "3,11", 2, 10), attnlim::InputError);
}

TEST_F(Cli, OutputPathChecksAtLibraryLevel) {
  EXPECT_THROW(attnlim::check_output_path("--json", ""), attnlim::InputError);
  EXPECT_THROW(attnlim::check_output_path("--json", at("x") + "/"), attnlim::InputError);
  fs::create_symlink("real.json", dir / "a.json");
  EXPECT_EQ(attnlim::check_output_path("--json", at("a.json")), at("real.json"));
  fs::create_symlink("b.json", dir / "loop1.json");
  fs::create_symlink("loop1.json", dir / "b.json");
  EXPECT_THROW(attnlim::check_output_path("--json", at("loop1.json")), attnlim::InputError);
  attnlim::write_file_atomic(at("a.json"), "{}\n");
  EXPECT_TRUE(fs::is_symlink(dir / "a.json"));
  EXPECT_EQ(read_text(dir / "real.json"), "{}\n");
  EXPECT_THROW(attnlim::check_output_folder("--out", "", {}), attnlim::InputError);
  EXPECT_NO_THROW(attnlim::check_output_folder("--out", at("new/deeper"), {"summary.json"}));
  EXPECT_FALSE(fs::exists(dir / "new"));
}

// ---- --keys: every command takes it, records it, and refuses what it cannot parse -------------------

TEST_F(Cli, EveryCommandTakesKeysAndRecordsIt) {
  const CliRun sim = run_cli("simulate --keys uniform --n 500 --trials 2 --beta 1 --backend cpu --json " + at("s.json"));
  ASSERT_EQ(sim.status, 0) << sim.output;
  EXPECT_EQ(nlohmann::json::parse(read_text(dir / "s.json"))["config"]["keys"], "uniform");
  const CliRun crit = run_cli("critical --d 3 --keys uniform --n-min 100 --n-max 1000 --n-points 2 --trials 8 "
                              "--bootstrap 20 --backend cpu --json " + at("c.json"));
  ASSERT_EQ(crit.status, 0) << crit.output;
  EXPECT_EQ(nlohmann::json::parse(read_text(dir / "c.json"))["config"]["keys"], "uniform");
  const CliRun th = run_cli("theory --d 3 --keys uniform --lambda 1 --trials 100 --json " + at("t.json"));
  ASSERT_EQ(th.status, 0) << th.output;
  EXPECT_EQ(nlohmann::json::parse(read_text(dir / "t.json"))["keys"], "uniform");
  const CliRun sw = run_cli("sweep --keys uniform --n 100 --beta-spec abs:1 --trials 2 --backend cpu --out " + at("w"));
  ASSERT_EQ(sw.status, 0) << sw.output;
  EXPECT_EQ(nlohmann::json::parse(read_text(dir / "w.jsonl"))["sweep"]["keys"], "uniform");
}

TEST_F(Cli, BadKeysAreRefusedByEveryCommand) {
  const std::string json = at("out.json");
  expect_refused("simulate --keys vmf9 --n 100 --json " + json, "--keys", "unknown key model 'vmf9'");
  expect_refused("simulate --keys uniform:kappa=1 --n 100 --json " + json, "--keys", "no parameter 'kappa'");
  expect_refused("critical --d 3 --keys '' --json " + json, "--keys", "empty");
  expect_refused("theory --d 3 --keys bogus --json " + json, "--keys", "unknown key model");
  expect_refused("sweep --keys bogus --n 100 --beta-spec abs:1 --out " + at("w"), "--keys", "unknown key model");
}

// Sweep files written before --keys existed have no "keys" in their fingerprint: they resume as uniform
// keys, skipping their finished points, and a sweep with the same points does not refuse them.
TEST_F(Cli, OldSweepFilesResumeAsUniformKeys) {
  const std::string prefix = at("old");
  const std::string sweep = "sweep --n 100,200 --beta-spec abs:1 --trials 2 --backend cpu --out " + prefix;
  ASSERT_EQ(run_cli(sweep).status, 0);
  std::string old_lines;
  std::istringstream lines(read_text(prefix + ".jsonl"));
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json r = nlohmann::json::parse(line);
    r["sweep"].erase("keys");
    old_lines += r.dump() + "\n";
  }
  keep("old.jsonl", old_lines);
  const CliRun again = run_cli(sweep);
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_NE(again.output.find("2 already done, 0 run"), std::string::npos) << again.output;
  EXPECT_EQ(read_text(prefix + ".jsonl"), old_lines);
}

// Every key model's bad input: one line naming --keys and the problem, exit 2, no file touched.
TEST_F(Cli, BadKeyModelParametersAreRefused) {
  const std::string json = " --json " + keep("out.json");
  expect_refused("simulate --d 3 --keys vmf --n 100" + json, "--keys", "needs the parameter kappa");
  expect_refused("simulate --d 3 --keys vmf:kappa=-1 --n 100" + json, "--keys", "0 <= kappa");
  expect_refused("simulate --d 3 --keys vmf:kappa=1,angle=4 --n 100" + json, "--keys", "angle <= pi");
  expect_refused("simulate --d 5 --keys subsphere:m=7 --n 100" + json, "--keys", "must not exceed d = 5");
  expect_refused("simulate --d 5 --keys subsphere:m=1 --n 100" + json, "--keys", "from 2 to");
  expect_refused("simulate --d 3 --keys power:gamma=-2 --n 100" + json, "--keys", "gamma > -(d-1)");
  expect_refused("simulate --d 3 --keys harmonic:l=2,eps=1.5 --n 100" + json, "--keys", "|eps| <= 1");
  expect_refused("simulate --d 3 --keys harmonic:l=1,eps=1,angle=3.141592653589793 --n 100" + json, "--keys",
                 "another exponent");
  expect_refused("simulate --d 3 --keys 'mix:0.5*uniform;0.4*uniform' --n 100" + json, "--keys", "sum to 0.9");
  expect_refused("simulate --d 3 --keys 'mix:0.5*uniform;-0.5*uniform' --n 100" + json, "--keys", "> 0");
  expect_refused("simulate --d 3 --keys 'mix:1*mix:1*uniform' --n 100" + json, "--keys", "cannot be a mixture");
  expect_refused("simulate --d 3 --keys 'mix:uniform' --n 100" + json, "--keys", "WEIGHT*SPEC");
  // A distance-only tier for a model that is not symmetric about q.
  expect_refused("simulate --d 3 --keys vmf:kappa=2,angle=1 --sampler projected --n 100" + json, "--keys",
                 "not symmetric about the query");
  expect_refused("critical --d 3 --keys harmonic:l=2,eps=0.5,angle=1 --sampler projected" + json, "--keys",
                 "not symmetric about the query");
}

// --sampler auto draws the distance alone where the model allows it, the whole key otherwise.
TEST_F(Cli, AutoSamplerFollowsTheModel) {
  const auto sampler_of = [&](const std::string& keys) {
    const CliRun r = run_cli("simulate --d 3 --n 200 --trials 2 --beta 1 --backend cpu --keys '" + keys + "' --json " +
                             at("a.json"));
    EXPECT_EQ(r.status, 0) << r.output;
    return nlohmann::json::parse(read_text(dir / "a.json"))["config"]["sampler"].get<std::string>();
  };
  EXPECT_EQ(sampler_of("vmf:kappa=3"), "projected");
  EXPECT_EQ(sampler_of("vmf:kappa=3,angle=0.5"), "full");
  EXPECT_EQ(sampler_of("mix:0.5*power:gamma=1;0.5*subsphere:m=2"), "projected");
  EXPECT_EQ(sampler_of("mix:0.5*uniform;0.5*harmonic:l=1,eps=0.5,angle=2"), "full");
}

TEST_F(Cli, HeatRefusesBadInputWithOneLineAndNoFile) {
  const std::string out = " --n 1000 --trials 2 --json " + at("heat.json");
  const std::pair<std::string, std::string> cases[] = {
      {"--d 1", "--d"},
      {"--nodes 7", "--nodes"},  // too few for the degree-3 and 4 growth at d = 3
      {"--nodes 97", "--nodes"},
      {"--max-l 17", "--max-l"},
      {"--growth-eps 0", "--growth-eps"},
      {"--growth-eps 1.5", "--growth-eps"},
      {"--growth-eps nan", "--growth-eps"},
      {"--beta 0", "--beta"},
      {"--beta inf", "--beta"},
      {"--trials 1", "--trials"},
      {"--keys vmf", "--keys"},
      {"--keys 'harmonic:l=0,eps=0.5'", "--keys"},
  };
  for (const auto& [args, flag] : cases) expect_refused("heat " + args + out, flag);
}

TEST_F(Cli, HeatWritesItsDocumentedJson) {
  const CliRun r = run_cli("heat --quiet --n 2000 --trials 3 --max-l 1 --beta 20,50 --backend cpu --json " + at("h.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto j = nlohmann::json::parse(read_text(dir / "h.json"));
  EXPECT_EQ(j["config"]["betas"], nlohmann::json::array({20.0, 50.0}));  // the given list, not added to the default
  ASSERT_EQ(j["results"].size(), 2u);
  for (const auto& entry : j["results"]) {
    for (const char* key : {"beta", "drift", "predicted_drift_exact", "predicted_drift_first_order", "growth"})
      EXPECT_TRUE(entry.contains(key)) << key;
    ASSERT_EQ(entry["growth"].size(), 1u);
    for (const char* key : {"l", "nodes", "estimate", "stderr", "predicted_exact", "predicted"})
      EXPECT_TRUE(entry["growth"][0].contains(key)) << key;
  }
  EXPECT_EQ(j["exact_curve"]["beta"].size(), j["exact_curve"]["drift"].size());
}

// --sampler order: any n, JSON fields kept with nulls and log_ twins where a value is beyond a double, the
// bulk's error bound reported, and one-line refusals for what it cannot run.
TEST_F(Cli, OrderSamplerAtAnyN) {
  const fs::path json = dir / "order.json";
  const CliRun r = run_cli("simulate --d 3 --n 1e5000 --trials 50 --beta 0.5,2 --beta-scale critical --sampler order "
                           "--top-k 3 --quiet --json " + json.string());
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream in(json);
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["backend"], "order");
  EXPECT_EQ(j["config"]["sampler"], "order");
  EXPECT_TRUE(j["config"]["n"].is_null());
  EXPECT_NEAR(j["config"]["log_n"].get<double>(), 5000 * std::log(10.0), 1e-6);
  const auto& first = j["results"][0];
  EXPECT_TRUE(first["beta"].is_null());
  // beta = lambda (n c_3)^{2/2} = 0.5 n / 2: log beta = log n + log 0.25.
  EXPECT_NEAR(first["log_beta"].get<double>(), 5000 * std::log(10.0) + std::log(0.25), 1e-6);
  EXPECT_TRUE(first["observables"]["e_min"]["mean"].is_null());
  EXPECT_LT(first["observables"]["e_min"]["log_mean"].get<double>(), -11000);
  EXPECT_GT(first["observables"]["y_min"]["mean"].get<double>(), 0.5);
  EXPECT_LT(first["observables"]["y_min"]["mean"].get<double>(), 2.0);
  EXPECT_GE(first["bulk_error_bound"].get<double>(), 0.0);
  EXPECT_LE(first["bulk_error_bound"].get<double>(), 1e-3);
  EXPECT_EQ(first["top_k"]["y_mean"].size(), 3u);

  expect_refused("simulate --n 1e5000 --sampler projected", "--n", "order");
  expect_refused("simulate --d 3 --n 1e9 --sampler order --keys vmf:kappa=2", "--keys", "Beta");
  expect_refused("simulate --n 1e400 --sampler order --beta 0,1e300", "--beta", "beta = 0");
  expect_refused("simulate --n 1e400 --sampler order --beta 1", "--beta", "below 1e-300");
  expect_refused("simulate --n 1e400 --sampler order --backend cuda", "--backend", "CPU");
  expect_refused("simulate --n 1e400 --sampler order --bulk-tolerance 2", "--bulk-tolerance");
  expect_refused("simulate --n 1000 --bulk-tolerance 0.1", "--bulk-tolerance", "order");
  expect_refused("simulate --n 1e5x --sampler order", "--n");
}

TEST_F(Cli, CriticalWithTheOrderSamplerReachesTheLocalRegime) {
  const fs::path json = dir / "critical.json";
  const CliRun r = run_cli("critical --d 16 --sampler order --n-min 1e3 --n-max 1e200 --n-points 5 --trials 100 "
                           "--bootstrap 50 --quiet --json " + json.string());
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream in(json);
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["config"]["sampler"], "order");
  EXPECT_TRUE(j["points"][4]["n"].is_null());
  EXPECT_NEAR(j["points"][4]["log_n"].get<double>(), 200 * std::log(10.0), 1e-6);
  // Deep in the local regime the last points' beta* / prediction is 1 within its interval (and 5%).
  const auto& last = j["crossover"]["points"][4];
  EXPECT_LE(last["ratio_local_ci"][0].get<double>(), 1.05);
  EXPECT_GE(last["ratio_local_ci"][1].get<double>(), 0.95);
  EXPECT_TRUE(j["crossover"]["log_n_local_theory"].is_number());
  EXPECT_EQ(j["regime"], "local");
}

// analyze: the CLI's refusals (exit 2, one line naming the input, no file written), and --figures writing
// the files scripts/figures.py draws.
TEST_F(Cli, AnalyzeStoredSweeps) {
  const CliRun sweep = run_cli("sweep --d 3 --n 1000,10000 --beta-spec critical:0.1..10x12 --trials 40 --store-trials "
                               "--quiet --out " + at("s"));
  ASSERT_EQ(sweep.status, 0) << sweep.output;
  const CliRun r = run_cli("analyze " + at("s") + " --json " + at("a.json") + " --figures " + at("fig"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("bootstrap over the stored trials"), std::string::npos) << r.output;
  std::ifstream in(at("a.json"));
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["groups"][0]["points"].size(), 2u);
  EXPECT_TRUE(fs::exists(dir / "fig" / "critical_d3.json"));
  EXPECT_TRUE(fs::exists(dir / "fig" / "summary.json"));
  EXPECT_TRUE(fs::exists(dir / "fig" / "figures.json"));  // the collapse data: every point has the same lambdas
  std::ofstream(at("bad.jsonl")) << "{\"d\": 3}\nnonsense\n";
  expect_refused("analyze " + at("bad.jsonl") + " --json " + at("b.json"), "PREFIX", "bad.jsonl line 1");
  expect_refused("analyze " + at("nothing") + " --json " + at("b.json"), "PREFIX", "no sweep file");
  expect_refused("analyze " + at("s") + " --target 2", "--target");
  expect_refused("sweep --d 3 --n 1000 --beta-spec critical:1 --shard 3/2 --out " + at("t"), "--shard");
}

TEST_F(Cli, SelfAttentionCommand) {
  const CliRun r = run_cli("self-attention --n 40,80 --d 96 --rho 0.5 --gamma 1..4x6 --tokens simplex --trials 8 "
                           "--find-gamma --quiet --json " + at("sa.json") + " --csv " + at("sa.csv"));
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream in(at("sa.json"));
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["results"].size(), 12u);  // 2 n x 6 gamma x 1 layer
  const auto& first = j["results"][0];
  for (const char* name : {"self_weight", "entropy", "mean_cosine"})
    EXPECT_TRUE(first["observables"][name].contains("stderr")) << name;
  EXPECT_NEAR(first["observables"]["self_weight"]["mean"].get<double>(),
              first["prediction"]["simplex_self_weight"].get<double>(), 1e-9);
  // Simplex tokens are deterministic: gamma* is the closed form's midpoint (interpolation between 6 gammas).
  const auto& g = j["find_gamma"][0];
  EXPECT_NEAR(g["gamma_star"].get<double>(), g["simplex_midpoint"].get<double>(), 0.05);
  expect_refused("self-attention --rho 1 --json " + at("x.json"), "--rho");
  expect_refused("self-attention --gamma=-1 --json " + at("x.json"), "--gamma");
  expect_refused("self-attention --n 100 --d 64 --tokens simplex --json " + at("x.json"), "--tokens", "d >= n");
  expect_refused("self-attention --layers 0 --json " + at("x.json"), "--layers");
  expect_refused("self-attention --tokens grid", "--tokens");
  expect_refused("self-attention --gamma 1 --find-gamma", "--find-gamma");
}
