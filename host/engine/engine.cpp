#include "attnlim/engine/engine.hpp"

#include <fmt/core.h>

#include "attnlim/engine/cuda_runtime.hpp"
#include "engines.hpp"

namespace attnlim {

EngineChoice parse_engine_choice(const std::string& name) {
  if (name == "auto") return EngineChoice::automatic;
  if (name == "cpu") return EngineChoice::cpu;
  if (name == "cuda") return EngineChoice::cuda;
  throw InputError("backend", "unknown backend '" + name + "' (expected auto, cpu or cuda)");
}

void validate(const EngineOptions& o) {
  if (o.threads < 0 || o.threads > kMaxThreads)
    throw InputError("threads", fmt::format("must be between 0 and {} (got {})", kMaxThreads, o.threads));
  if (o.chunk_keys < 1) throw InputError("chunk", "must be at least 1");
  if (o.chunk_keys > kMaxKeys) throw InputError("chunk", fmt::format("at most {} (got {})", kMaxKeys, o.chunk_keys));
}

bool Engine::supports(const RunSpec& spec, std::string* why) const {
  const auto refused = refusal(spec);
  if (refused && why) *why = refused->what();
  return !refused;
}

std::vector<TrialState> Engine::run(const RunSpec& spec, const WorkRange& range, const KeysDone& progress) {
  validate(spec, range);
  if (auto refused = refusal(spec)) throw *refused;
  // No stop check here: the engines check between blocks of work, where under MPI a stop travels with the
  // ranks' status exchange (a check before the run would let one rank leave a collective the others entered).
  return run_range(spec, range, progress);
}

std::optional<InputError> refuse_uncounted_n(const RunSpec& spec, const std::string& engine) {
  if (!spec.n.is_exact())
    return InputError("n", fmt::format("the {} engine enumerates keys: n must be an exact count below 2^63 (got {}); "
                                       "the order sampler takes any n",
                                       engine, spec.n.text()));
  if (spec.log_beta_unit != 0.0)
    return InputError("beta", fmt::format("the {} engine takes absolute betas (beta beyond a double needs the order sampler)", engine));
  return std::nullopt;
}

bool engine_available(EngineChoice choice, std::string* why) {
  if (choice == EngineChoice::cuda) return cuda::available(why);
  if (why) why->clear();
  return true;
}

std::unique_ptr<Engine> make_engine(EngineChoice choice, const EngineOptions& options) {
  validate(options);
  std::string why;
  const bool gpu = cuda::available(&why);
  if (choice == EngineChoice::cuda && !gpu) throw InputError("backend", "cuda requested but " + why);
  if (choice == EngineChoice::cuda || (choice == EngineChoice::automatic && gpu)) return make_cuda_engine(options);
  return make_cpu_engine(options);
}

}  // namespace attnlim
