// A sweep's JSON-lines file (PREFIX.jsonl): one record per finished (d, n) point, read and checked as a
// whole before anything is changed, and the CSV made from the records.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace attnlim {

// The observables every record carries, and the sweep CSV's columns (named here, not by any enum's order).
extern const std::vector<std::string> kSweepObservables;

struct SweepRecords {
  std::vector<nlohmann::json> records;
  std::string kept;   // the file without its torn last line
  bool torn = false;  // an unterminated last line: a kill during an append
};

// Only an unterminated last line that starts like a record is torn (one write() per record, so a kill can
// cut a record short but never leaves its newline without it); every complete line must be a record, and
// anything else is refused (InputError naming `out`, the file and the line). A missing file has no records.
SweepRecords read_sweep_records(const std::string& path);

// The fingerprint a record was written under; records from before --keys existed read as uniform keys.
nlohmann::json record_fingerprint(const nlohmann::json& record);

// --store-trials: the per-trial values a record keeps, base64 of little-endian float64 (8 bytes a value, 4/3 in
// base64): for ipr, w_max and entropy one block of betas x trials (beta-major), for e_min one of trials.
// 1000 trials x 32 betas: 3 x 256 KB + 8 KB = 776 KB of doubles, 1.10 MB per record as written (measured).
extern const std::vector<std::string> kStoredObservables;  // ipr, w_max, entropy (per beta), e_min (per trial)
std::string encode_doubles(const std::vector<double>& values);
// Throws std::invalid_argument for text that is not such a block.
std::vector<double> decode_doubles(const std::string& text);

// The CSV rows (without timings) of every record.
std::string sweep_csv(const std::vector<nlohmann::json>& records);

}  // namespace attnlim
