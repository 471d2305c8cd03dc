// The main job as a report (attnlim verify): one section per claim of the two papers, each with the claim, the
// theory's prediction, the measurement with its intervals, a figure, a verdict with the rule that decided it, and
// the command that reproduces the section alone; rendered as self-contained HTML, as Markdown, and as
// summary.json. The claims themselves are run by host/drivers/claims.cpp.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnlim/engine/engine.hpp"
#include "attnlim/engine/self_attention.hpp"
#include "attnlim/io/progress.hpp"
#include "attnlim/io/svg.hpp"

namespace attnlim {

enum class Verdict { agrees, disagrees, pre_asymptotic, not_run };
const char* verdict_name(Verdict verdict);  // "agrees", "disagrees", "pre-asymptotic", "not run"

struct ClaimTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

struct ClaimResult {
  std::string id;          // "critical-exponent"
  std::string title;       // "The critical exponent"
  std::string claim;       // the claim in one sentence
  std::string prediction;  // what the theory module predicts, in words and numbers
  ClaimTable table;        // the measurement, with confidence intervals
  Plot figure;
  Verdict verdict = Verdict::not_run;
  std::string rule;        // the rule that decided the verdict, and how it came out
  std::string command;     // reproduces this section alone
  nlohmann::json numbers = nlohmann::json::object();  // the key numbers (summary.json)
  double seconds = 0;
};

// Whole, for resuming (claims/<id>.json), and back.
nlohmann::json to_json(const ClaimResult& claim);
ClaimResult claim_from_json(const nlohmann::json& json);

struct ReportInfo {
  std::string command;  // the verify command that made the report
  std::string mode;     // "default" or "quick"
  std::string machine;  // backend and device
  std::string date;     // UTC
};

// Self-contained HTML: styles inline, figures as inline SVG; opens offline.
std::string report_html(const std::vector<ClaimResult>& claims, const ReportInfo& info);
// The same content in Markdown; figure k is figures/<id>.svg beside it.
std::string report_markdown(const std::vector<ClaimResult>& claims, const ReportInfo& info);
// [{id, title, verdict, rule, numbers, seconds}, ...] with the report's info.
nlohmann::json report_summary(const std::vector<ClaimResult>& claims, const ReportInfo& info);

// ---- the claims (host/drivers/claims.cpp) ----------------------------------------------------------------

// Raised whenever a claim's measurement or rule changes, so that cached claims (verify's claims/) are run again.
constexpr int kClaimsVersion = 2;

// The claims in report order.
const std::vector<std::string>& claim_ids();

struct ClaimSettings {
  bool quick = false;        // about 2 minutes on 2 cores in all (wider intervals), else about 10
  std::uint64_t seed = 1;
  // Larger n where more than 2 CPU cores carry the work: critical-exponent's largest n is multiplied by this
  // (verify: 100 on a GPU, else the number of MPI ranks; 1 alone).
  double n_scale = 1;
  // What the reproduce command needs besides --claims, --quick and --seed: the launcher ("mpirun -np 4 ", or
  // "") and --backend when it was not auto.
  std::string launcher, backend;
};
// The engines the claims run on: keys one by one (CPU or CUDA), the order-statistics engine (head-dim-crossover)
// and the self-attention engine (log-n-self-attention); each may be split over MPI ranks.
struct ClaimEngines {
  Engine& keys;
  Engine& order;
  SelfAttentionEngine& tokens;
};
// Runs claim `id`. InputError naming `claims` for an unknown id. `progress` hears the claim's own work (its total
// starts over per claim).
ClaimResult run_claim(const std::string& id, const ClaimEngines& engines, const ClaimSettings& settings,
                      const ProgressCallback& progress = {});

}  // namespace attnlim
