// The external baselines (bench/baseline_numpy.py, bench/baseline_torch.py): commands that print one
// JSON line with keys_per_second for the same d, trials, top-k and beta grid.
#pragma once
#include <string>
#include <vector>

#include "bench.hpp"

namespace bench {

// Runs NAME=COMMAND's command with --d --trials --top-k --betas --n auto --seconds --repeats appended; its
// last JSON line, or null (with a message on stderr) when it failed.
json run_baseline(const std::string& name, const std::string& command, int d, const std::vector<double>& betas,
                  const Options& o);

}  // namespace bench
