#include "attnlim/io/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/core/ranks.hpp"

namespace attnlim {
namespace fs = std::filesystem;

namespace {

constexpr int kMaxLinkHops = 40;  // as the kernel's ELOOP limit

// Follows a chain of symbolic links to the path that will really be written (which may not exist
// yet: a dangling link is written through onto its target). Relative targets are read from the
// link's folder. Returns `path` itself when it is not a link; throws std::runtime_error on a loop.
fs::path final_target(const fs::path& path) {
  fs::path p = path;
  for (int hop = 0; hop < kMaxLinkHops; ++hop) {
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(p, ec))) return p;
    const fs::path target = fs::read_symlink(p, ec);
    if (ec) return p;
    p = target.is_absolute() ? target : p.parent_path() / target;
  }
  throw std::runtime_error("too many levels of symbolic links");
}

fs::path folder_of(const fs::path& p) { return p.has_parent_path() ? p.parent_path() : fs::path("."); }

bool names_no_file(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.empty() || name == "." || name == "..";
}

// What a non-regular file is, for the message.
const char* kind_of(const fs::file_status& st) {
  switch (st.type()) {
    case fs::file_type::directory: return "a folder";
    case fs::file_type::fifo: return "a FIFO";
    case fs::file_type::socket: return "a socket";
    case fs::file_type::character: return "a character device";
    case fs::file_type::block: return "a block device";
    default: return "not a regular file";
  }
}

}  // namespace

std::string check_output_path(const std::string& field, const std::string& path) {
  if (path.empty()) throw InputError(field, "empty path");
  const fs::path given(path);
  if (names_no_file(given)) throw InputError(field, fmt::format("'{}' names a folder, not a file", path));
  fs::path target;
  try {
    target = final_target(given);
  } catch (const std::runtime_error& e) {
    throw InputError(field, fmt::format("'{}': {}", path, e.what()));
  }
  const bool linked = target != given;
  const std::string shown =
      linked ? fmt::format("'{}' (a link to '{}')", path, target.string()) : fmt::format("'{}'", path);
  if (linked && names_no_file(target)) throw InputError(field, fmt::format("{} names a folder, not a file", shown));
  std::error_code ec;
  const fs::file_status st = fs::status(target, ec);
  if (fs::exists(st) && !fs::is_regular_file(st))
    throw InputError(field, fmt::format("{} is {}; only regular files are written", shown, kind_of(st)));
  const fs::path dir = folder_of(target);
  if (!fs::is_directory(dir, ec))
    throw InputError(field, linked ? fmt::format("{}: folder '{}' does not exist", shown, dir.string())
                                  : fmt::format("folder '{}' does not exist", dir.string()));
  if (::access(dir.c_str(), W_OK) != 0)
    throw InputError(field, fmt::format("folder '{}' is not writable", dir.string()));
  return target.string();
}

namespace {
void check_output_paths_here(const std::vector<OutputFile>& outputs);
void check_output_folder_here(const std::string& field, const std::string& folder, const std::vector<std::string>& files);

// `check` on rank 0 only (the ranks of an MPI job may not share rank 0's file system, and only rank 0 writes),
// its verdict given to every rank: all ranks throw the same InputError, or none does. A single process just
// checks.
template <class Check>
void check_on_root(Check&& check) {
  if (process_count() == 1) return check();
  std::string verdict;  // "" or field '\n' problem
  if (is_root_process()) {
    try {
      check();
    } catch (const InputError& e) {
      verdict = e.field() + '\n' + e.problem_source();
    }
  }
  verdict = broadcast_from_root(verdict);
  if (!verdict.empty()) {
    const auto newline = verdict.find('\n');
    throw InputError(verdict.substr(0, newline), verdict.substr(newline + 1));
  }
}
}  // namespace

void check_output_paths(const std::vector<OutputFile>& outputs) {
  check_on_root([&] { check_output_paths_here(outputs); });
}

namespace {
void check_output_paths_here(const std::vector<OutputFile>& outputs) {
  std::vector<fs::path> seen;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const fs::path target = check_output_path(outputs[i].field, outputs[i].path);
    std::error_code ec;
    fs::path key = fs::weakly_canonical(fs::absolute(target, ec), ec);
    if (ec) key = fs::absolute(target).lexically_normal();
    for (std::size_t j = 0; j < seen.size(); ++j)
      if (seen[j] == key)
        throw InputError(outputs[i].field, fmt::format("'{}' is the same file as {} '{}'", outputs[i].path,
                                                       field_ref(outputs[j].field), outputs[j].path));
    seen.push_back(key);
  }
}

}  // namespace

void check_output_folder(const std::string& field, const std::string& folder, const std::vector<std::string>& files) {
  check_on_root([&] { check_output_folder_here(field, folder, files); });
}

namespace {
void check_output_folder_here(const std::string& field, const std::string& folder, const std::vector<std::string>& files) {
  if (folder.empty()) throw InputError(field, "empty path");
  std::string trimmed = folder;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  const fs::path f(trimmed);
  std::error_code ec;
  const fs::file_status st = fs::status(f, ec);
  if (fs::exists(st)) {
    if (!fs::is_directory(st))
      throw InputError(field, fmt::format("'{}' is {}, not a folder", folder, fs::is_regular_file(st) ? "a file" : kind_of(st)));
    if (::access(f.c_str(), W_OK) != 0) throw InputError(field, fmt::format("folder '{}' is not writable", folder));
    std::vector<OutputFile> outputs;
    for (const auto& name : files) outputs.push_back({field, (f / name).string()});
    check_output_paths_here(outputs);
    return;
  }
  if (fs::is_symlink(fs::symlink_status(f, ec)))
    throw InputError(field, fmt::format("'{}' is a link to a missing folder", folder));
  // The folder will be created with its parents: the nearest existing ancestor must be a writable folder.
  fs::path ancestor = f;
  do {
    ancestor = folder_of(ancestor);
  } while (!fs::exists(fs::symlink_status(ancestor, ec)) && ancestor != "." && ancestor != ancestor.root_path());
  const fs::file_status ast = fs::status(ancestor, ec);
  if (!fs::is_directory(ast))
    throw InputError(field, fmt::format("cannot create '{}': '{}' is {}", folder, ancestor.string(),
                                 !fs::exists(ast)             ? "a link to a missing folder"
                                 : fs::is_regular_file(ast) ? "a file, not a folder"
                                                              : kind_of(ast)));
  if (::access(ancestor.c_str(), W_OK) != 0)
    throw InputError(field, fmt::format("cannot create '{}': folder '{}' is not writable", folder, ancestor.string()));
}
}  // namespace

void write_file_atomic(const std::string& path, const std::string& content) {
  if (!is_root_process()) return;  // an MPI job writes once, from rank 0
  const fs::path target = final_target(fs::path(path));
  struct stat existing {};
  const bool exists = ::stat(target.c_str(), &existing) == 0;
  if (exists && !S_ISREG(existing.st_mode))
    throw std::runtime_error("cannot write " + path + ": not a regular file");
  const fs::path dir = folder_of(target);
  std::string tmpl = (dir / ("." + target.filename().string() + ".tmp.XXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) throw std::runtime_error("cannot create a temporary file next to " + target.string() + ": " + std::strerror(errno));
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t w = ::write(fd, content.data() + written, content.size() - written);
    if (w < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmpl.c_str());
      throw std::runtime_error("cannot write " + path + ": " + why);
    }
    written += static_cast<std::size_t>(w);
  }
  // A replaced file keeps its permissions; a new one gets rw-r--r--.
  ::fchmod(fd, exists ? (existing.st_mode & 07777) : 0644);
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmpl.c_str());
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  }
  if (std::rename(tmpl.c_str(), target.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmpl.c_str());
    throw std::runtime_error("cannot rename the temporary file to " + target.string() + ": " + why);
  }
}

void append_record_durable(const std::string& path, const std::string& line) {
  if (!is_root_process()) return;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  // One write() of the whole record: O_APPEND makes it land at the end in one piece.
  const ssize_t w = ::write(fd, line.data(), line.size());
  const bool ok = w == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot append to " + path + ": " + std::strerror(errno));
}

std::optional<std::string> read_file_from_root(const std::string& path) {
  std::string message;  // rank 0's: "0" (no such file) or "1" followed by the content
  if (is_root_process()) {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::stringstream buffer;
      buffer << in.rdbuf();
      message = "1" + buffer.str();
    } else {
      message = "0";
    }
  }
  message = broadcast_from_root(message);
  if (message.empty() || message[0] != '1') return std::nullopt;
  return message.substr(1);
}

}  // namespace attnlim
