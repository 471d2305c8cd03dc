// Output files: written atomically (temporary file in the target's folder, then rename), so a crash or
// an error never leaves a half-written or changed file behind. A path that is a symbolic link is
// written through: the link's final target is replaced, the link stays. An existing path that is not
// a regular file (folder, device, FIFO, socket) is refused.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace attnlim {

// Throws InputError naming `field` (e.g. "json", shown as --json) if `path` could not be written as a regular file: empty, no file
// name part (ends in '/'), a folder or another non-regular file (following symbolic links), a
// dangling link whose folder does not exist, a missing or unwritable folder. Returns the file that
// will be written (the link's final target, or `path`). Call before any long computation so that bad
// paths fail fast and leave nothing behind.
std::string check_output_path(const std::string& field, const std::string& path);

// In an MPI job (core/ranks.hpp) check_output_paths and check_output_folder are collective: rank 0, the one that
// writes, checks, and every rank throws its verdict.

// One output file of a command: the field that names it ("csv", "json", "out") and the path as given.
struct OutputFile {
  std::string field, path;
};
// check_output_path for each, and no two outputs may be the same file (also through links).
void check_output_paths(const std::vector<OutputFile>& outputs);

// An output folder that will be created if missing (with its parents): refuses an empty path, an
// existing path that is not a folder, a missing folder whose nearest existing ancestor is not a
// writable folder; when the folder exists, every `files` (names inside it) must pass check_output_paths.
void check_output_folder(const std::string& field, const std::string& folder, const std::vector<std::string>& files);

// Writes `content` to `path` atomically (through a symbolic link onto its final target). In an MPI job
// (core/ranks.hpp) only rank 0 writes; the other ranks return at once (so do append_record_durable's).
void write_file_atomic(const std::string& path, const std::string& content);

// Appends one whole record (a line, newline included) and flushes it to disk, so a killed process
// leaves only complete lines (used by resumable sweeps).
void append_record_durable(const std::string& path, const std::string& line);

// The content of `path` as rank 0 reads it, on every rank (collective in an MPI job, so that a resumed run
// decides alike everywhere, also where the ranks do not share a file system); nothing when it cannot be read.
std::optional<std::string> read_file_from_root(const std::string& path);

}  // namespace attnlim
