// Output files: written atomically (temporary file in the same folder, then rename), so a crash or an
// error never leaves a half-written or changed file behind.
#pragma once
#include <string>

namespace attnlim {

// Throws InputError naming `flag` if `path` could not be created (missing folder, not writable).
// Call before any long computation so that bad paths fail fast and leave nothing behind.
void check_output_path(const std::string& flag, const std::string& path);

// Writes `content` to `path` atomically.
void write_file_atomic(const std::string& path, const std::string& content);

// Appends one whole record (a line, newline included) and flushes it to disk, so a killed process
// leaves only complete lines (used by resumable sweeps).
void append_record_durable(const std::string& path, const std::string& line);

}  // namespace attnlim
