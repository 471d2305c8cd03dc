#include "attnlim/io/svg.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/core.h>

namespace attnlim {

namespace {

const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};

}  // namespace

std::string escape_xml(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

namespace {

// One axis: the data range (log10 of it on a log axis) and its ticks.
struct Axis {
  bool log = false;
  double lo = 0, hi = 1;
  bool usable(double v) const { return std::isfinite(v) && (!log || v > 0); }
  double t(double v) const { return log ? std::log10(v) : v; }
  void fit(double a, double b) {
    lo = a, hi = b;
    if (!(hi > lo)) {
      const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
      lo -= pad, hi += pad;
    }
    const double pad = (hi - lo) * 0.05;
    lo -= pad, hi += pad;
  }
  std::vector<double> ticks() const {
    std::vector<double> out;
    if (log) {
      const int step = std::max(1, static_cast<int>(std::ceil((hi - lo) / 8)));
      for (int e = static_cast<int>(std::ceil(lo)); e <= hi; e += step) out.push_back(e);
      return out;
    }
    const double raw = (hi - lo) / 6, mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double step = raw / mag < 2 ? 2 * mag : raw / mag < 5 ? 5 * mag : 10 * mag;
    for (double v = std::ceil(lo / step) * step; v <= hi; v += step) out.push_back(std::abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }
  std::string label(double tick) const { return log ? fmt::format("1e{:g}", tick) : fmt::format("{:g}", tick); }
};

}  // namespace

std::string to_svg(const Plot& plot, int width, int height) {
  const double left = 70, right = 20, top = 30, bottom = 50;
  const double pw = width - left - right, ph = height - top - bottom;
  Axis ax, ay;
  ax.log = plot.log_x;
  ay.log = plot.log_y;
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const PlotSeries& s : plot.series)
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!ax.usable(s.x[i]) || !ay.usable(s.y[i])) continue;
      x0 = std::min(x0, ax.t(s.x[i])), x1 = std::max(x1, ax.t(s.x[i]));
      const double e = i < s.error.size() && std::isfinite(s.error[i]) ? s.error[i] : 0.0;
      for (double y : {s.y[i] - e, s.y[i], s.y[i] + e})
        if (ay.usable(y)) y0 = std::min(y0, ay.t(y)), y1 = std::max(y1, ay.t(y));
    }
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n",
      width, height);
  svg += fmt::format("<text x=\"{}\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">{}</text>\n", width / 2,
                     escape_xml(plot.title));
  if (!(x1 >= x0) || !(y1 >= y0)) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">no data</text>\n</svg>\n", width / 2, height / 2);
    return svg;
  }
  ax.fit(x0, x1);
  ay.fit(y0, y1);
  const auto px = [&](double v) { return left + (ax.t(v) - ax.lo) / (ax.hi - ax.lo) * pw; };
  const auto py = [&](double v) { return top + ph - (ay.t(v) - ay.lo) / (ay.hi - ay.lo) * ph; };
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444\"/>\n", left, top, pw, ph);
  for (double t : ax.ticks()) {
    const double x = left + (t - ax.lo) / (ax.hi - ax.lo) * pw;
    svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#ddd\"/>"
                       "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
                       x, top, top + ph, top + ph + 16, ax.label(t));
  }
  for (double t : ay.ticks()) {
    const double y = top + ph - (t - ay.lo) / (ay.hi - ay.lo) * ph;
    svg += fmt::format("<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#ddd\"/>"
                       "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5}</text>\n",
                       left, y, left + pw, left - 6, y + 4, ay.label(t));
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", left + pw / 2, height - 10,
                     escape_xml(plot.x_label));
  svg += fmt::format("<text transform=\"translate(16,{}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n", top + ph / 2,
                     escape_xml(plot.y_label));
  for (std::size_t k = 0; k < plot.series.size(); ++k) {
    const PlotSeries& s = plot.series[k];
    const char* color = kColors[k % (sizeof kColors / sizeof *kColors)];
    std::string path;
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!ax.usable(s.x[i]) || !ay.usable(s.y[i])) continue;
      const double x = px(s.x[i]), y = py(s.y[i]);
      if (s.line) {
        path += fmt::format("{}{:.1f},{:.1f}", path.empty() ? "M" : " L", x, y);
        continue;
      }
      if (i < s.error.size() && std::isfinite(s.error[i]) && s.error[i] > 0) {
        const double lo = s.y[i] - s.error[i], hi = s.y[i] + s.error[i];
        if (ay.usable(lo) && ay.usable(hi))
          svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"{3}\"/>", x,
                             py(lo), py(hi), color);
      }
      svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>", x, y, color);
    }
    if (!path.empty()) svg += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>", path, color);
    const double ly = top + 14 + 16 * static_cast<double>(k);
    svg += fmt::format("\n<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"{3}\" stroke-width=\"3\"/>"
                       "<text x=\"{4}\" y=\"{5:.1f}\">{6}</text>\n",
                       left + 10, ly - 4, left + 28, color, left + 34, ly, escape_xml(s.label));
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace attnlim
