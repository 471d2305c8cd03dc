// The same numbers across refactors: the JSON (and one CSV) of fixed-seed runs of simulate, sweep,
// critical and theory, compared with values pinned in tests/drivers/pinned/ by an earlier build.
//
// Every floating-point number must equal its pin to 1e-12 relative (support/pinned_tolerance.hpp says why not
// exactly; the pins are "%.17g"-exact JSON doubles), every integer, string and array length exactly; fields that time the run
// (seconds, keys_per_second, trials_per_second) or name the machine (backend, device) are not compared, and fields the run has beyond the pin are allowed (a new
// field is not a changed number). A change that is meant to change numbers regenerates the pins with
//   ATTNLIM_WRITE_PINS=1 build/tests/attnlim_tests --gtest_filter='PinnedValues.*'
// and its commit says which pins changed and why.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "support/json_fields.hpp"

#include "support/cli_runner.hpp"
#include "support/pinned_tolerance.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path kPinDir = fs::path(ATTNLIM_SOURCE_DIR) / "tests" / "drivers" / "pinned";

bool writing_pins() {
  const char* v = std::getenv("ATTNLIM_WRITE_PINS");
  return v && std::string(v) == "1";
}

const std::set<std::string> kMachineFields = {"seconds", "keys_per_second", "trials_per_second", "backend", "device"};

json strip_machine_fields(const json& j) { return attnlim_test::strip_fields(j, kMachineFields); }

// Every difference between pinned and actual at `path`, up to a few.
void compare(const json& pinned, const json& actual, const std::string& path, double relative, int& reported) {
  const auto fail = [&](const std::string& what) {
    if (reported++ < 12) ADD_FAILURE() << path << ": " << what;
  };
  if (pinned.is_object()) {
    if (!actual.is_object()) return fail("expected an object, got " + actual.dump());
    for (auto it = pinned.begin(); it != pinned.end(); ++it) {
      if (!actual.contains(it.key())) {
        fail("field " + it.key() + " is missing");
        continue;
      }
      compare(it.value(), actual[it.key()], path + "." + it.key(), relative, reported);
    }
    return;
  }
  if (pinned.is_array()) {
    if (!actual.is_array() || actual.size() != pinned.size())
      return fail("expected an array of " + std::to_string(pinned.size()) + ", got " + actual.dump().substr(0, 200));
    for (std::size_t i = 0; i < pinned.size(); ++i)
      compare(pinned[i], actual[i], path + "[" + std::to_string(i) + "]", relative, reported);
    return;
  }
  if (pinned.is_number_integer() && actual.is_number_integer()) {  // seeds, counts: exactly
    if (pinned != actual) fail("pinned " + pinned.dump() + ", got " + actual.dump());
    return;
  }
  if (pinned.is_number() && actual.is_number()) {
    const double p = pinned.get<double>(), a = actual.get<double>();
    const bool same = std::abs(p - a) <= relative * std::max(std::abs(p), std::abs(a));
    if (!same) {
      std::ostringstream s;
      s.precision(17);
      s << "pinned " << p << ", got " << a;
      fail(s.str());
    }
    return;
  }
  if (pinned != actual) fail("pinned " + pinned.dump() + ", got " + actual.dump());
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

class PinnedValues : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("attnlim_pins_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  // Runs `args` (which must write `output` inside dir) and compares `output` with the pin `name`.
  void check(const std::string& name, const std::string& args, const std::string& output, bool jsonl = false) {
    const CliRun r = run_cli_capture(args);
    ASSERT_EQ(r.status, 0) << args << "\n" << r.output;
    const fs::path pin = kPinDir / name;
    json actual;
    if (jsonl) {
      actual = json::array();
      std::istringstream lines(read_text(dir / output));
      for (std::string line; std::getline(lines, line);) actual.push_back(json::parse(line));
    } else {
      actual = json::parse(read_text(dir / output));
    }
    actual = strip_machine_fields(actual);
    if (writing_pins()) {
      std::ofstream(pin) << actual.dump(1) << "\n";
      GTEST_SKIP() << "wrote " << pin;
    }
    ASSERT_TRUE(fs::exists(pin)) << "no pin " << pin << " (write it with ATTNLIM_WRITE_PINS=1)";
    const double relative = attnlim_test::pinned_relative_tolerance();
    int reported = 0;
    compare(json::parse(read_text(pin)), actual, name, relative, reported);
    EXPECT_EQ(reported, 0) << reported << " differences in " << name << " (" << args << ")";
  }

  // CSV text, cell by cell (numbers compared like JSON numbers).
  void check_csv(const std::string& name, const std::string& output) {
    const fs::path pin = kPinDir / name;
    const std::string actual = read_text(dir / output);
    if (writing_pins()) {
      std::ofstream(pin) << actual;
      GTEST_SKIP() << "wrote " << pin;
    }
    ASSERT_TRUE(fs::exists(pin)) << "no pin " << pin;
    const auto cells_of = [](const std::string& text) {
      json rows = json::array();
      std::istringstream lines(text);
      for (std::string line; std::getline(lines, line);) {
        json row = json::array();
        std::istringstream cells(line);
        for (std::string cell; std::getline(cells, cell, ',');) {
          char* end = nullptr;
          const double v = std::strtod(cell.c_str(), &end);
          row.push_back(!cell.empty() && end == cell.c_str() + cell.size() ? json(v) : json(cell));
        }
        rows.push_back(row);
      }
      return rows;
    };
    const json a = cells_of(actual), p = cells_of(read_text(pin));
    int reported = 0;
    compare(p, a, name, attnlim_test::pinned_relative_tolerance(), reported);
    EXPECT_EQ(reported, 0) << reported << " differences in " << name;
  }

  std::string at(const std::string& name) const { return (dir / name).string(); }
  fs::path dir;
};

TEST_F(PinnedValues, SimulateDistanceOnlyTiers) {
  check("simulate_d3_projected.json",
        "simulate --d 3 --n 20000 --trials 8 --beta 0,1,10,100,1000 --sampler projected --seed 11 --backend cpu "
        "--json " + at("o.json"), "o.json");
  check("simulate_d4_projected.json",
        "simulate --d 4 --n 20000 --trials 6 --beta 0,2,20,200 --sampler projected --seed 16 --backend cpu --json " +
            at("o.json"), "o.json");
  check("simulate_d16_projected_critical.json",
        "simulate --d 16 --n 10000 --trials 6 --beta-scale critical --beta 0.5,1,2 --sampler projected --seed 13 "
        "--backend cpu --json " + at("o.json"), "o.json");
  check("simulate_d128_projected.json",
        "simulate --d 128 --n 5000 --trials 4 --beta 5,50 --sampler projected --seed 14 --backend cpu --json " +
            at("o.json"), "o.json");
}

TEST_F(PinnedValues, SimulateFullTier) {
  check("simulate_d2_full.json",
        "simulate --d 2 --n 20000 --trials 4 --beta 10,1000,1e6 --sampler full --seed 15 --backend cpu --json " +
            at("o.json"), "o.json");
  check("simulate_d3_full.json",
        "simulate --d 3 --n 20000 --trials 8 --beta 0,1,10,100,1000 --sampler full --seed 11 --top-k 4 --backend cpu "
        "--json " + at("o.json"), "o.json");
  check("simulate_d16_full.json",
        "simulate --d 16 --n 5000 --trials 4 --beta 1,10 --sampler full --seed 13 --backend cpu --json " + at("o.json"),
        "o.json");
}

TEST_F(PinnedValues, SimulateOutputVectorWithCsv) {
  check("simulate_d5_vector.json",
        "simulate --d 5 --n 10000 --trials 6 --beta 0,3,30,300 --output-vector --seed 12 --top-k 5 --backend cpu "
        "--json " + at("o.json") + " --csv " + at("o.csv"), "o.json");
  check_csv("simulate_d5_vector.csv", "o.csv");
}

TEST_F(PinnedValues, Sweep) {
  check("sweep.jsonl.json",
        "sweep --d 3,4 --n 1000,5000 --beta-spec critical:0.5,1 --beta-spec abs:10 --beta-spec log:1 --trials 4 "
        "--seed 3 --backend cpu --out " + at("s"), "s.jsonl", /*jsonl=*/true);
}

TEST_F(PinnedValues, Critical) {
  check("critical_d3.json",
        "critical --d 3 --n-min 1000 --n-max 20000 --n-points 3 --trials 16 --bootstrap 40 --seed 5 --backend cpu "
        "--json " + at("c.json"), "c.json");
}

TEST_F(PinnedValues, Theory) {
  check("theory_d3.json", "theory --d 3 --beta 10 --n 1e6 --lambda 1 --target 0.5 --trials 400 --json " + at("t.json"),
        "t.json");
  check("theory_d16_w_max.json",
        "theory --d 16 --beta 100 --n 1e9 --lambda 2 --target 0.3 --observable w_max --trials 400 --json " +
            at("t.json"), "t.json");
}

}  // namespace
