// Figures as SVG text (the report's figures, embedded in its HTML and written beside its Markdown): points with
// error bars and lines on linear or logarithmic axes, a legend. No dependency: a report opens offline.
#pragma once
#include <string>
#include <vector>

namespace attnlim {

struct PlotSeries {
  std::string label;
  std::vector<double> x, y;
  std::vector<double> error;  // +- per point (empty: none)
  bool line = false;          // a line through the points (a prediction) instead of markers (a measurement)
};

struct Plot {
  std::string title, x_label, y_label;
  bool log_x = false, log_y = false;
  std::vector<PlotSeries> series;
};

// Text for XML and HTML: & < > " as entities.
std::string escape_xml(const std::string& text);

// A self-contained <svg> element (width x height pixels). Points that are not finite, or not positive on a log
// axis, are left out; an empty plot says "no data".
std::string to_svg(const Plot& plot, int width = 640, int height = 400);

}  // namespace attnlim
