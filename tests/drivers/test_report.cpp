// The report's formats (drivers/report.hpp, io/svg.hpp): a claim survives its JSON (verify resumes from it), the
// HTML escapes what it quotes and holds every claim's verdict, table and figure, and the SVG leaves out what a log
// axis cannot show. (The claims themselves run in tests/python/test_report.py, through attnlim verify --quick.)
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "attnlim/drivers/report.hpp"
#include "attnlim/io/svg.hpp"

using namespace attnlim;

namespace {

ClaimResult sample_claim() {
  ClaimResult c;
  c.id = "subcritical-bias";
  c.title = "The subcritical bias";
  c.claim = "E[bias] -> 1 - A_d(beta) & nothing < else";
  c.prediction = "1 - A_d";
  c.table = {{"beta", "measured"}, {{"0.5", "0.1 ± 0.01"}, {"2", "0.05 ± 0.002"}, {"mix:0.9*a|b", "x_y"}}};
  c.figure = {"bias", "beta", "1 - <q, O>", true, true,
              {{"measured", {0.5, 2, -1}, {0.1, 0.05, 0.3}, {0.01, 0.002, 0.1}, false},
               {"theory", {0.5, 2}, {0.11, std::nan("")}, {}, true}}};
  c.verdict = Verdict::agrees;
  c.rule = "every |z| <= 4";
  c.command = "attnlim verify --claims subcritical-bias";
  c.numbers = {{"max_abs_z", 1.5}};
  c.seconds = 2.5;
  return c;
}

}  // namespace

TEST(Report, AClaimSurvivesItsJson) {
  const ClaimResult c = sample_claim();
  const ClaimResult back = claim_from_json(nlohmann::json::parse(to_json(c).dump()));
  EXPECT_EQ(to_json(back).dump(), to_json(c).dump());  // (dump: NaN is null on both sides)
  EXPECT_TRUE(std::isnan(back.figure.series[1].y[1]));  // NaN travels as null and comes back
  EXPECT_EQ(back.verdict, Verdict::agrees);
}

TEST(Report, HtmlMarkdownAndSummarySayTheSame) {
  ClaimResult other = sample_claim();
  other.id = "critical-law";
  other.verdict = Verdict::pre_asymptotic;
  ClaimResult skipped;
  skipped.id = "locality";
  skipped.title = "(not run)";
  skipped.rule = "not selected";
  const std::vector<ClaimResult> claims = {sample_claim(), other, skipped};
  const ReportInfo info{"attnlim verify --quick", "quick", "backend cpu", "2026-12-02 00:00 UTC"};
  const std::string html = report_html(claims, info), md = report_markdown(claims, info);
  EXPECT_NE(html.find("3 claims: 1 agree, 0 disagree, 1 pre-asymptotic, 1 not run"), std::string::npos);
  EXPECT_NE(md.find("3 claims: 1 agree, 0 disagree, 1 pre-asymptotic, 1 not run"), std::string::npos);
  EXPECT_NE(html.find("&amp; nothing &lt; else"), std::string::npos);  // quoted text is escaped
  EXPECT_EQ(html.find("nothing < else"), std::string::npos);
  EXPECT_NE(html.find("<td>0.05 ± 0.002</td>"), std::string::npos);
  EXPECT_NE(md.find("| 0.05 ± 0.002 |"), std::string::npos);
  EXPECT_NE(md.find("| mix:0.9\\*a\\|b | x\\_y |"), std::string::npos) << md;  // no extra cell, no emphasis
  EXPECT_NE(md.find("![bias](figures/subcritical-bias.svg)"), std::string::npos);
  EXPECT_NE(md.find("**Verdict: pre-asymptotic.**"), std::string::npos);
  // Two figures (not the skipped claim's), each a complete <svg> element.
  std::size_t svgs = 0;
  for (std::size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) ++svgs;
  EXPECT_EQ(svgs, 2u);
  const nlohmann::json summary = report_summary(claims, info);
  ASSERT_EQ(summary["claims"].size(), 3u);
  EXPECT_EQ(summary["claims"][1]["verdict"], "pre-asymptotic");
  EXPECT_EQ(summary["claims"][2]["verdict"], "not run");
  EXPECT_EQ(summary["claims"][0]["numbers"]["max_abs_z"], 1.5);
}

TEST(Svg, LogAxesLeaveOutWhatTheyCannotShow) {
  const ClaimResult c = sample_claim();
  const std::string svg = to_svg(c.figure);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  // Two of the three measured points (x = -1 is not on a log axis), each with its error bar.
  std::size_t circles = 0;
  for (std::size_t at = svg.find("<circle"); at != std::string::npos; at = svg.find("<circle", at + 1)) ++circles;
  EXPECT_EQ(circles, 2u);
  EXPECT_NE(svg.find("1e0"), std::string::npos);  // log ticks as powers of ten
  Plot empty;
  empty.title = "nothing";
  EXPECT_NE(to_svg(empty).find("no data"), std::string::npos);
}
