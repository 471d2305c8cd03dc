#include "attnlim/state/serialize.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

namespace attnlim {

static_assert(sizeof(double) == 8 && sizeof(std::uint64_t) == 8, "8-byte doubles and words");

namespace {

constexpr char kMagic[4] = {'A', 'T', 'L', 'S'};
constexpr std::uint32_t kIndexedFlag = 1u;

template <class T>
void put(std::string& out, const T& value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

template <class T>
void put_array(std::string& out, const T* values, std::size_t count) {
  if (count) out.append(reinterpret_cast<const char*>(values), count * sizeof(T));
}

class Reader {
 public:
  explicit Reader(const std::string& bytes) : bytes_(bytes) {}
  template <class T>
  T get(const char* what) {
    T value;
    need(sizeof(T), what);
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }
  template <class T>
  void get_array(T* values, std::size_t count, const char* what) {
    need(count * sizeof(T), what);
    if (count) std::memcpy(values, bytes_.data() + pos_, count * sizeof(T));
    pos_ += count * sizeof(T);
  }
  bool done() const { return pos_ == bytes_.size(); }

 private:
  void need(std::size_t size, const char* what) const {
    if (bytes_.size() - pos_ < size)
      throw std::runtime_error(std::string("trial state bytes: truncated in ") + what);
  }
  const std::string& bytes_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string to_bytes(const TrialState& st) {
  std::string out;
  out.append(kMagic, 4);
  put(out, kStateFormatVersion);
  put(out, static_cast<std::int32_t>(st.num_betas()));
  put(out, static_cast<std::int32_t>(st.tangent_dim));
  put(out, static_cast<std::int32_t>(st.top_k));
  put(out, st.indexed ? kIndexedFlag : 0u);
  put(out, st.count);
  put(out, st.min_distance);
  put(out, st.log_distance_scale);
  put(out, st.exact_keys);
  put(out, st.bulk_error_bound);
  put_array(out, st.s0.data(), st.s0.size());
  put_array(out, st.s1.data(), st.s1.size());
  put_array(out, st.s2.data(), st.s2.size());
  put_array(out, st.vec.data(), st.vec.size());
  put(out, static_cast<std::int32_t>(st.top_size));
  put_array(out, st.top_distance.data(), static_cast<std::size_t>(st.top_size));
  if (st.indexed) put_array(out, st.top_index.data(), static_cast<std::size_t>(st.top_size));
  return out;
}

TrialState from_bytes(const std::string& bytes) {
  Reader in(bytes);
  char magic[4];
  in.get_array(magic, 4, "the magic");
  if (std::memcmp(magic, kMagic, 4) != 0) throw std::runtime_error("trial state bytes: not a trial state (bad magic)");
  const auto version = in.get<std::uint32_t>("the version");
  if (version != kStateFormatVersion)
    throw std::runtime_error("trial state bytes: format version " + std::to_string(version) + ", this build reads " +
                             std::to_string(kStateFormatVersion));
  const auto nb = in.get<std::int32_t>("the layout"), td = in.get<std::int32_t>("the layout"),
             k = in.get<std::int32_t>("the layout");
  const auto flags = in.get<std::uint32_t>("the flags");
  if (nb < 0 || nb > kMaxBetas || td < 0 || td > 65536 || k < 0 || k > kMaxTopK || (flags & ~kIndexedFlag))
    throw std::runtime_error("trial state bytes: impossible layout");
  TrialState st(nb, td, k, (flags & kIndexedFlag) != 0);
  st.count = in.get<std::uint64_t>("count");
  st.min_distance = in.get<double>("min_distance");
  st.log_distance_scale = in.get<double>("log_distance_scale");
  st.exact_keys = in.get<std::uint64_t>("exact_keys");
  st.bulk_error_bound = in.get<double>("bulk_error_bound");
  in.get_array(st.s0.data(), st.s0.size(), "s0");
  in.get_array(st.s1.data(), st.s1.size(), "s1");
  in.get_array(st.s2.data(), st.s2.size(), "s2");
  in.get_array(st.vec.data(), st.vec.size(), "vec");
  st.top_size = in.get<std::int32_t>("top_size");
  if (st.top_size < 0 || st.top_size > k) throw std::runtime_error("trial state bytes: top_size beyond top_k");
  in.get_array(st.top_distance.data(), static_cast<std::size_t>(st.top_size), "top_distance");
  if (st.indexed) in.get_array(st.top_index.data(), static_cast<std::size_t>(st.top_size), "top_index");
  if (!in.done()) throw std::runtime_error("trial state bytes: trailing bytes after the state");
  return st;
}

std::string to_bytes(const std::vector<TrialState>& states) {
  std::string out;
  put(out, static_cast<std::uint64_t>(states.size()));
  for (const auto& st : states) {
    const std::string one = to_bytes(st);
    put(out, static_cast<std::uint64_t>(one.size()));
    out += one;
  }
  return out;
}

std::vector<TrialState> states_from_bytes(const std::string& bytes) {
  if (bytes.size() < 8) throw std::runtime_error("trial state bytes: truncated in the state count");
  std::uint64_t count;
  std::memcpy(&count, bytes.data(), 8);
  std::size_t pos = 8;
  std::vector<TrialState> states;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (bytes.size() - pos < 8) throw std::runtime_error("trial state bytes: truncated in a state's length");
    std::uint64_t length;
    std::memcpy(&length, bytes.data() + pos, 8);
    pos += 8;
    if (bytes.size() - pos < length) throw std::runtime_error("trial state bytes: truncated in a state");
    states.push_back(from_bytes(bytes.substr(pos, length)));
    pos += length;
  }
  if (pos != bytes.size()) throw std::runtime_error("trial state bytes: trailing bytes after the states");
  return states;
}

}  // namespace attnlim
