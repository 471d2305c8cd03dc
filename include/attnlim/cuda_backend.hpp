// The CUDA backend's host-facing API. Built from cuda/*.cu when nvcc is found; otherwise a stub
// (host/cuda_stub.cpp) whose available() is false with the reason.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "attnlim/config.hpp"
#include "attnlim/state.hpp"

namespace attnlim::cuda {

// True when the backend was compiled and a CUDA device can be used; otherwise false, and *why
// (if given) says why in a few words ("built without CUDA", "no CUDA device: <cuda error>").
bool available(std::string* why = nullptr);

// Name of device 0, e.g. "NVIDIA H100 80GB HBM3".
std::string device_name();

// The states of trials config.first_trial .. + config.trials - 1, same contract and same random
// stream as the CPU backend (host/backend_cpu.hpp): identical top-k, sums equal to rounding.
// Throws DeviceError on any CUDA failure.
std::vector<TrialState> run_trials(const SimConfig& config);

// Philox4x32-10 blocks computed on the device with cuRAND's curand_Philox4x32_10 for counters
// (i lo, i hi, trial, draw), i = first .. first + count - 1, key = seed; 4 words per counter, in order.
// Used by the test that proves the host Philox bit-identical to cuRAND.
std::vector<std::uint32_t> curand_philox_blocks(std::uint64_t seed, std::uint32_t trial, std::uint32_t draw,
                                                std::uint64_t first, std::uint64_t count);

}  // namespace attnlim::cuda
