// One d's summary row and entry of a critical exponent table (analyze's summary.json and table).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "attnlim/drivers/critical.hpp"

namespace attnlim {

// One d of a critical exponent table: its entry of summary.json and its row of the printed table.
nlohmann::json verify_summary_entry(const CriticalResult& result);
std::string verify_table_header();
std::string verify_table_row(const CriticalResult& result);

}  // namespace attnlim
