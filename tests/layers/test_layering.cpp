// The dependency direction of DESIGN.md, checked on the sources: core <- keys <- engine <- drivers <- cli,
// with theory, state, io and analysis beside them. Every #include "attnlim/<layer>/..." of a file must name
// a layer its own layer may use; drivers and the CLI see the engine only through its seam (engine.hpp,
// run_spec.hpp, key_count.hpp) and never name a concrete backend.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = ATTNLIM_SOURCE_DIR;

// What each layer may include (besides itself).
const std::map<std::string, std::set<std::string>> kAllowed = {
    {"core", {"core"}},
    {"theory", {"core", "theory"}},
    {"keys", {"core", "keys", "theory"}},
    {"state", {"core", "state"}},
    {"io", {"core", "io"}},
    {"analysis", {"core", "analysis"}},
    {"engine", {"core", "keys", "state", "engine"}},
    {"drivers", {"core", "keys", "state", "engine", "analysis", "io", "theory", "drivers"}},
    {"cli", {"core", "keys", "state", "engine", "analysis", "io", "theory", "drivers"}},
};

// The engine headers a driver or the CLI may include: the seam, not a concrete engine.
const std::set<std::string> kEngineSeam = {"engine/engine.hpp", "engine/run_spec.hpp", "engine/key_count.hpp",
                                           "engine/self_attention.hpp",  // the self-attention engines' interface
                                           "engine/mpi.hpp"};            // MPI ranks: the session, distribute()

// The layer a source file belongs to.
std::string layer_of(const fs::path& relative) {
  const std::string p = relative.generic_string();
  static const std::pair<const char*, const char*> prefixes[] = {
      {"include/attnlim/core/", "core"},       {"include/attnlim/keys/", "keys"},
      {"include/attnlim/state/", "state"},     {"include/attnlim/engine/", "engine"},
      {"include/attnlim/analysis/", "analysis"}, {"include/attnlim/drivers/", "drivers"},
      {"include/attnlim/theory/", "theory"},   {"include/attnlim/io/", "io"},
      {"host/model/", "keys"},                 {"host/state/", "state"},
      {"host/cpu/", "engine"},                 {"host/engine/", "engine"},
      {"host/order/", "engine"},               {"host/distributed/", "engine"},
      {"cuda/", "engine"},                     {"host/analysis/", "analysis"},
      {"host/drivers/", "drivers"},            {"host/theory/", "theory"},
      {"host/io/", "io"},                      {"host/cli/", "cli"},
      {"host/python/", "cli"},  // the second front end
  };
  for (const auto& [prefix, layer] : prefixes)
    if (p.rfind(prefix, 0) == 0) return layer;
  return "";
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(Layering, EveryIncludePointsDownward) {
  const std::regex include_re(R"(#include\s+"attnlim/([a-z_]+)/([^"]+)\")");
  int files = 0, includes = 0;
  for (const char* top : {"include", "host", "cuda"})
    for (const auto& entry : fs::recursive_directory_iterator(kRoot / top)) {
      if (!entry.is_regular_file()) continue;
      const std::string ext = entry.path().extension().string();
      if (ext != ".hpp" && ext != ".cpp" && ext != ".cu" && ext != ".cuh") continue;
      const fs::path relative = fs::relative(entry.path(), kRoot);
      const std::string layer = layer_of(relative);
      ASSERT_FALSE(layer.empty()) << relative << " is in no layer: add it to the layout";
      ++files;
      const std::string text = read_text(entry.path());
      for (std::sregex_iterator it(text.begin(), text.end(), include_re), end; it != end; ++it) {
        ++includes;
        const std::string target = (*it)[1];
        EXPECT_TRUE(kAllowed.at(layer).count(target))
            << relative << " (" << layer << ") includes attnlim/" << target << "/" << (*it)[2];
        if ((layer == "drivers" || layer == "cli") && target == "engine")
          EXPECT_TRUE(kEngineSeam.count("engine/" + (*it)[2].str()))
              << relative << " includes the concrete engine header attnlim/engine/" << (*it)[2];
      }
    }
  EXPECT_GT(files, 50);
  EXPECT_GT(includes, 100);
}

// Drivers and the CLI name no backend: no cpu:: or cuda:: functions, no CUDA header.
TEST(Layering, DriversAndCliNameNoBackend) {
  const std::regex backend_re(R"(\b(cpu|cuda)::|cuda_runtime\.h|<cuda)");
  for (const char* dir : {"host/drivers", "host/cli", "include/attnlim/drivers"})
    for (const auto& entry : fs::recursive_directory_iterator(kRoot / dir)) {
      if (!entry.is_regular_file()) continue;
      const std::string text = read_text(entry.path());
      std::smatch m;
      EXPECT_FALSE(std::regex_search(text, m, backend_re))
          << fs::relative(entry.path(), kRoot) << " names a backend: " << m.str();
    }
}

// The theory layer links nothing above it: its sources include only core and theory (checked above), and
// its CMake library depends only on attnlim_core, Boost, fmt and OpenMP.
TEST(Layering, CMakeLibrariesLinkDownward) {
  const std::string cmake = read_text(kRoot / "CMakeLists.txt");
  const std::map<std::string, std::set<std::string>> deps = {
      {"theory", {"attnlim_core"}},
      {"keys", {"attnlim_theory"}},
      {"state", {"attnlim_core"}},
      {"io", {"attnlim_core"}},
      {"analysis", {"attnlim_core"}},
      {"engine_spec", {"attnlim_keys", "attnlim_state"}},
      {"drivers", {"attnlim_engine", "attnlim_analysis", "attnlim_io", "attnlim_theory"}},
  };
  for (const auto& [layer, allowed] : deps) {
    const std::regex line_re("attnlim_layer\\(" + layer + " DIRS[^)]*DEPS([^)]*)\\)");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(cmake, m, line_re)) << "no attnlim_layer(" << layer << " ...) in CMakeLists.txt";
    const std::string listed = m[1];
    const std::regex attnlim_re(R"(attnlim_[a-z_]+)");
    for (std::sregex_iterator it(listed.begin(), listed.end(), attnlim_re), end; it != end; ++it)
      EXPECT_TRUE(allowed.count(it->str())) << layer << " links " << it->str();
  }
}
