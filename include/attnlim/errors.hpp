// Error types. The CLI turns InputError into one line and exit code 2; anything else into exit 1.
#pragma once
#include <stdexcept>
#include <string>

namespace attnlim {

// Bad user input: the message names the flag and the problem, e.g. "--d: must be at least 2 (got 1)".
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A failed CUDA call or launch; the message carries file:line and the CUDA error string.
struct DeviceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace attnlim
