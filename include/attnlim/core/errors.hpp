// Error types. Library errors name the field in the library's words (`top_k`, `n_min`); the command line
// shows it as its flag (`--top-k`, `--n-min`), Python as the keyword. The CLI turns InputError into one
// line and exit code 2; anything else into exit 1.
#pragma once
#include <stdexcept>
#include <string>

namespace attnlim {

namespace detail {
constexpr char kFieldOpen = '\x1e', kFieldClose = '\x1f';

// The text with every field reference (field_ref) written as the field's name, or as its flag.
inline std::string render_fields(const std::string& text, bool as_flags) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != kFieldOpen) {
      out += text[i];
      continue;
    }
    const std::size_t close = text.find(kFieldClose, i);
    std::string field = text.substr(i + 1, close == std::string::npos ? std::string::npos : close - i - 1);
    // A positional argument's name (all capitals, e.g. PREFIX) is shown as it is, without "--".
    bool positional = !field.empty();
    for (char c : field) positional = positional && ((c >= 'A' && c <= 'Z') || c == '_');
    if (as_flags && !positional) {
      for (char& c : field)
        if (c == '_') c = '-';
      field = "--" + field;
    }
    out += field;
    if (close == std::string::npos) break;
    i = close;
  }
  return out;
}
}  // namespace detail

// A reference to another field inside an error's text ("must not exceed " + field_ref("n_max")): read as
// "n_max" in the library's message and as "--n-max" on the command line.
inline std::string field_ref(const std::string& field) {
  return std::string(1, detail::kFieldOpen) + field + detail::kFieldClose;
}

// The flag of a field: "top_k" -> "--top-k".
inline std::string field_flag(const std::string& field) { return detail::render_fields(field_ref(field), true); }

// Bad user input: the field and the problem, e.g. field "d", problem "must be at least 2 (got 1)".
// what() is "d: must be at least 2 (got 1)"; for_command_line() is "--d: must be at least 2 (got 1)".
class InputError : public std::runtime_error {
 public:
  InputError(const std::string& field, const std::string& problem)
      : std::runtime_error(detail::render_fields(field_ref(field) + ": " + problem, false)),
        field_(field),
        problem_(problem) {}
  const std::string& field() const { return field_; }
  std::string problem() const { return detail::render_fields(problem_, false); }
  std::string for_command_line() const { return detail::render_fields(field_ref(field_) + ": " + problem_, true); }
  // The problem with its field references as they are (to rebuild the error elsewhere: another MPI rank).
  const std::string& problem_source() const { return problem_; }

 private:
  std::string field_, problem_;
};

// A failed CUDA call or launch; the message carries file:line and the CUDA error string.
struct DeviceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace attnlim
