// The concrete engines, known only to make_engine (host/engine/engine.cpp): drivers and the CLI see the
// Engine interface alone.
#pragma once
#include <memory>

#include "attnlim/engine/engine.hpp"

namespace attnlim {

// The refusal every per-key engine shares: it enumerates keys, so n must be an exact count.
std::optional<InputError> refuse_uncounted_n(const RunSpec& spec, const std::string& engine);

std::unique_ptr<Engine> make_cpu_engine(const EngineOptions& options);   // host/cpu/cpu_engine.cpp
std::unique_ptr<Engine> make_cuda_engine(const EngineOptions& options);  // host/engine/cuda_engine.cpp

}  // namespace attnlim
