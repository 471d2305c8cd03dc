// The progress reporter on a fake clock: silent for short runs, one line per interval, percent, rate and
// ETA right, a warning for very long runs, in place on a terminal, nothing with --quiet.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "attnlim/io/progress.hpp"

using attnlim::ProgressReporter;
using attnlim::ProgressUpdate;

namespace {

struct Fake {
  double now = 0;
  std::vector<std::string> written;
  ProgressReporter reporter(bool terminal = false, bool quiet = false) {
    ProgressReporter::Options o;
    o.terminal = terminal;
    o.quiet = quiet;
    return ProgressReporter(o, [this] { return now; }, [this](const std::string& text) { written.push_back(text); });
  }
};

ProgressUpdate at(double done, double total = 1000) { return ProgressUpdate{"simulate d=3", done, total, "keys"}; }

}  // namespace

TEST(Progress, FormatsPercentRateElapsedAndEta) {
  EXPECT_EQ(ProgressReporter::format(at(250), 10.0, 25.0),
            "simulate d=3: 25.0% of 1000 keys, 25 keys/s, 0m10s elapsed, ETA 0m30s");
  EXPECT_EQ(ProgressReporter::duration(59.4), "0m59s");
  EXPECT_EQ(ProgressReporter::duration(3725), "1h02m");
  EXPECT_EQ(ProgressReporter::duration(90061), "1d01h");
  EXPECT_EQ(ProgressReporter::duration(1e12), "11574074d");
  EXPECT_EQ(ProgressReporter::duration(std::nan("")), "?");
  EXPECT_EQ(ProgressReporter::duration(-1), "?");
}

TEST(Progress, QuietForShortRunsThenOneLinePerInterval) {
  Fake fake;
  ProgressReporter r = fake.reporter();
  fake.now = 1.9;
  r.update(at(190));
  EXPECT_TRUE(fake.written.empty()) << "a run within 2 s prints nothing";
  fake.now = 2.0;
  r.update(at(200));
  ASSERT_EQ(fake.written.size(), 1u);
  EXPECT_EQ(fake.written[0], "simulate d=3: 20.0% of 1000 keys, 100 keys/s, 0m02s elapsed, ETA 0m08s\n");
  fake.now = 6.9;
  r.update(at(690));
  EXPECT_EQ(fake.written.size(), 1u) << "plain lines come every 5 s";
  fake.now = 7.0;
  r.update(at(700));
  ASSERT_EQ(fake.written.size(), 2u);
  EXPECT_NE(fake.written[1].find("70.0%"), std::string::npos);
  r.finish();
  EXPECT_EQ(fake.written.size(), 2u) << "no newline to add in plain mode";
}

TEST(Progress, RewritesInPlaceOnATerminal) {
  Fake fake;
  ProgressReporter r = fake.reporter(/*terminal=*/true);
  fake.now = 2.5;
  r.update(at(250));
  fake.now = 2.6;
  r.update(at(260));
  fake.now = 2.8;
  r.update(at(280));
  ASSERT_EQ(fake.written.size(), 2u) << "a rewrite every 0.25 s";
  EXPECT_EQ(fake.written[0].rfind("\r\033[K", 0), 0u);
  EXPECT_EQ(fake.written[0].back(), 's');  // no newline: the next rewrite replaces it
  r.finish();
  EXPECT_EQ(fake.written.back(), "\n");
}

TEST(Progress, CallsOutAVeryLongRunInItsFirstLine) {
  Fake fake;
  ProgressReporter r = fake.reporter();
  fake.now = 2.0;
  r.update(at(1, 1e6));  // 0.5 keys/s: 2e6 s to go
  ASSERT_EQ(fake.written.size(), 1u);
  EXPECT_EQ(fake.written[0].rfind("long run: about 23d03h more at this rate (Ctrl-C stops it cleanly); ", 0), 0u)
      << fake.written[0];
  fake.now = 8.0;
  r.update(at(4, 1e6));
  EXPECT_EQ(fake.written[1].find("long run"), std::string::npos) << "said once";
}

TEST(Progress, QuietPrintsNothing) {
  Fake fake;
  ProgressReporter r = fake.reporter(/*terminal=*/true, /*quiet=*/true);
  for (double t : {2.0, 10.0, 100.0}) {
    fake.now = t;
    r.update(at(t));
  }
  r.finish();
  EXPECT_TRUE(fake.written.empty());
}

// verify runs its critical fits, then the locality experiment with a new total: the second phase's rate and
// ETA are its own (before this, 3 minutes of the first phase diluted the rate to 267 keys/s and a spurious
// "long run: about 42d21h" appeared).
TEST(Progress, EachPhaseHasItsOwnRate) {
  Fake fake;
  ProgressReporter r = fake.reporter();
  fake.now = 10.0;
  r.update(at(1000, 1000));
  ASSERT_EQ(fake.written.size(), 1u);
  fake.now = 10.5;
  r.update(at(0, 2000));  // the next phase starts
  fake.now = 11.0;
  r.update(at(50, 2000));
  EXPECT_EQ(fake.written.size(), 1u) << "a phase shows no rate before it has run 1 s";
  fake.now = 20.5;
  r.update(at(1000, 2000));
  ASSERT_EQ(fake.written.size(), 2u);
  EXPECT_EQ(fake.written[1], "simulate d=3: 50.0% of 2000 keys, 100 keys/s, 0m21s elapsed, ETA 0m10s\n");
  EXPECT_EQ(fake.written[1].find("long run"), std::string::npos);
}
