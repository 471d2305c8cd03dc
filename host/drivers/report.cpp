// The report's formats (report.hpp): HTML, Markdown, summary.json, and a claim's JSON for resuming.
#include "attnlim/drivers/report.hpp"

#include <cmath>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"

namespace attnlim {

const char* verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::agrees: return "agrees";
    case Verdict::disagrees: return "disagrees";
    case Verdict::pre_asymptotic: return "pre-asymptotic";
    case Verdict::not_run: return "not run";
  }
  return "not run";
}

namespace {

Verdict verdict_from_name(const std::string& name) {
  for (Verdict v : {Verdict::agrees, Verdict::disagrees, Verdict::pre_asymptotic, Verdict::not_run})
    if (name == verdict_name(v)) return v;
  throw std::runtime_error("unknown verdict '" + name + "'");
}

nlohmann::json plot_json(const Plot& p) {
  nlohmann::json series = nlohmann::json::array();
  for (const PlotSeries& s : p.series)
    series.push_back({{"label", s.label}, {"x", s.x}, {"y", s.y}, {"error", s.error}, {"line", s.line}});
  return {{"title", p.title}, {"x_label", p.x_label}, {"y_label", p.y_label}, {"log_x", p.log_x},
          {"log_y", p.log_y}, {"series", series}};
}

// JSON keeps NaN as null: read it back as NaN.
std::vector<double> numbers_of(const nlohmann::json& j) {
  std::vector<double> out;
  for (const auto& v : j) out.push_back(v.is_null() ? std::nan("") : v.get<double>());
  return out;
}

Plot plot_from_json(const nlohmann::json& j) {
  Plot p;
  p.title = j.at("title");
  p.x_label = j.at("x_label");
  p.y_label = j.at("y_label");
  p.log_x = j.at("log_x");
  p.log_y = j.at("log_y");
  for (const auto& s : j.at("series"))
    p.series.push_back({s.at("label"), numbers_of(s.at("x")), numbers_of(s.at("y")), numbers_of(s.at("error")), s.at("line")});
  return p;
}


// A Markdown table cell: the characters that would end the cell or start emphasis, escaped.
std::string markdown_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|' || c == '*' || c == '_' || c == '\\') out += '\\';
    if (c == '<') {
      out += "&lt;";
      continue;
    }
    out += c;
  }
  return out;
}

std::string counts_line(const std::vector<ClaimResult>& claims) {
  int counts[4] = {0, 0, 0, 0};
  for (const ClaimResult& c : claims) ++counts[static_cast<int>(c.verdict)];
  return fmt::format("{} claims: {} agree, {} disagree, {} pre-asymptotic, {} not run", claims.size(), counts[0],
                     counts[1], counts[2], counts[3]);
}

const char* verdict_color(Verdict v) {
  switch (v) {
    case Verdict::agrees: return "#1a7f37";
    case Verdict::disagrees: return "#cf222e";
    case Verdict::pre_asymptotic: return "#9a6700";
    case Verdict::not_run: return "#57606a";
  }
  return "#57606a";
}

}  // namespace

nlohmann::json to_json(const ClaimResult& c) {
  return {{"id", c.id},           {"title", c.title},           {"claim", c.claim},
          {"prediction", c.prediction}, {"table", {{"header", c.table.header}, {"rows", c.table.rows}}},
          {"figure", plot_json(c.figure)}, {"verdict", verdict_name(c.verdict)}, {"rule", c.rule},
          {"command", c.command}, {"numbers", c.numbers}, {"seconds", c.seconds}};
}

ClaimResult claim_from_json(const nlohmann::json& j) {
  ClaimResult c;
  c.id = j.at("id");
  c.title = j.at("title");
  c.claim = j.at("claim");
  c.prediction = j.at("prediction");
  c.table.header = j.at("table").at("header").get<std::vector<std::string>>();
  c.table.rows = j.at("table").at("rows").get<std::vector<std::vector<std::string>>>();
  c.figure = plot_from_json(j.at("figure"));
  c.verdict = verdict_from_name(j.at("verdict"));
  c.rule = j.at("rule");
  c.command = j.at("command");
  c.numbers = j.at("numbers");
  c.seconds = j.at("seconds");
  return c;
}

std::string report_html(const std::vector<ClaimResult>& claims, const ReportInfo& info) {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>attnlim verify: the claims of the two "
      "papers</title>\n<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#1f2328}"
      "table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:right}"
      "th{background:#f6f8fa}.verdict{font-weight:bold;padding:2px 8px;border-radius:4px;color:white}"
      "code{background:#f6f8fa;padding:2px 4px}section{border-top:1px solid #d0d7de;margin-top:1.5em}</style>\n"
      "</head><body>\n<h1>attnlim verify: every claim, checked</h1>\n";
  h += fmt::format("<p>{}.</p>\n<p>Run: <code>{}</code> ({}; {}; {}).</p>\n<table><tr><th>claim</th><th>verdict</th>"
                   "<th>seconds</th></tr>\n",
                   escape_xml(counts_line(claims)), escape_xml(info.command), escape_xml(info.mode),
                   escape_xml(info.machine), escape_xml(info.date));
  for (const ClaimResult& c : claims)
    h += fmt::format("<tr><td style=\"text-align:left\"><a href=\"#{0}\">{0}</a></td><td><span class=\"verdict\" "
                     "style=\"background:{1}\">{2}</span></td><td>{3:.0f}</td></tr>\n",
                     c.id, verdict_color(c.verdict), verdict_name(c.verdict), c.seconds);
  h += "</table>\n";
  for (const ClaimResult& c : claims) {
    h += fmt::format("<section id=\"{}\">\n<h2>{}: {}</h2>\n", c.id, escape_xml(c.id), escape_xml(c.title));
    if (c.verdict != Verdict::not_run) {
      h += fmt::format("<p><b>Claim.</b> {}</p>\n<p><b>Prediction.</b> {}</p>\n", escape_xml(c.claim),
                       escape_xml(c.prediction));
      h += "<table><tr>";
      for (const auto& cell : c.table.header) h += "<th>" + escape_xml(cell) + "</th>";
      h += "</tr>\n";
      for (const auto& row : c.table.rows) {
        h += "<tr>";
        for (const auto& cell : row) h += "<td>" + escape_xml(cell) + "</td>";
        h += "</tr>\n";
      }
      h += "</table>\n<figure>" + to_svg(c.figure) + "</figure>\n";
    }
    h += fmt::format("<p><b>Verdict:</b> <span class=\"verdict\" style=\"background:{}\">{}</span> {}</p>\n",
                     verdict_color(c.verdict), verdict_name(c.verdict), escape_xml(c.rule));
    h += fmt::format("<p>Reproduce this section alone: <code>{}</code> ({:.0f} s here)</p>\n</section>\n",
                     escape_xml(c.command), c.seconds);
  }
  h += "</body></html>\n";
  return h;
}

std::string report_markdown(const std::vector<ClaimResult>& claims, const ReportInfo& info) {
  std::string m = "# attnlim verify: every claim, checked\n\n";
  m += fmt::format("{}.\n\nRun: `{}` ({}; {}; {}).\n\n| claim | verdict | seconds |\n|---|---|---|\n",
                   counts_line(claims), info.command, info.mode, info.machine, info.date);
  for (const ClaimResult& c : claims) m += fmt::format("| [{0}](#{0}) | {1} | {2:.0f} |\n", c.id, verdict_name(c.verdict), c.seconds);
  for (const ClaimResult& c : claims) {
    m += fmt::format("\n## {}: {}\n\n", c.id, c.title);
    if (c.verdict == Verdict::not_run) {
      m += fmt::format("**Verdict: {}.** {}\n\nRun it: `{}`\n", verdict_name(c.verdict), c.rule, c.command);
      continue;
    }
    m += fmt::format("**Claim.** {}\n\n**Prediction.** {}\n\n", c.claim, c.prediction);
    m += "|";
    for (const auto& cell : c.table.header) m += " " + markdown_cell(cell) + " |";
    m += "\n|";
    for (std::size_t i = 0; i < c.table.header.size(); ++i) m += "---|";
    m += "\n";
    for (const auto& row : c.table.rows) {
      m += "|";
      for (const auto& cell : row) m += " " + markdown_cell(cell) + " |";
      m += "\n";
    }
    m += fmt::format("\n![{}](figures/{}.svg)\n\n**Verdict: {}.** {}\n\nReproduce this section alone: `{}` ({:.0f} s here)\n",
                     c.figure.title, c.id, verdict_name(c.verdict), c.rule, c.command, c.seconds);
  }
  return m;
}

nlohmann::json report_summary(const std::vector<ClaimResult>& claims, const ReportInfo& info) {
  nlohmann::json list = nlohmann::json::array();
  for (const ClaimResult& c : claims)
    list.push_back({{"id", c.id}, {"title", c.title}, {"verdict", verdict_name(c.verdict)}, {"rule", c.rule},
                    {"command", c.command}, {"numbers", c.numbers}, {"seconds", c.seconds}});
  return {{"command", info.command}, {"mode", info.mode}, {"machine", info.machine}, {"date", info.date},
          {"counts", counts_line(claims)}, {"claims", list}};
}

}  // namespace attnlim
