// The main job's pieces beyond `critical` (the CLI's verify orchestrates them): the data behind the figures
// (scripts/figures.py) and the summary row of each d.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnlim/drivers/critical.hpp"
#include "attnlim/engine/engine.hpp"
#include "attnlim/keys/registry.hpp"

namespace attnlim {

// Mean w_max and ipr against lambda = 0.05 .. 20 for each n (the data collapse), with the limit curves
// (Mecke ipr, sampled w_max) of the model's local exponent.
nlohmann::json collapse_data(Engine& engine, const AnyKeyModel& model, const std::vector<std::uint64_t>& ns,
                             std::uint64_t trials, std::uint64_t seed);

// Per-trial w_max at one critical lambda against 4 x trials draws of the limit law.
nlohmann::json histogram_data(Engine& engine, const AnyKeyModel& model, std::uint64_t n, double lambda,
                              std::uint64_t trials, std::uint64_t seed);

// One d of verify: its entry of summary.json and its row of the printed table.
nlohmann::json verify_summary_entry(const CriticalResult& result);
std::string verify_table_header();
std::string verify_table_row(const CriticalResult& result);

}  // namespace attnlim
