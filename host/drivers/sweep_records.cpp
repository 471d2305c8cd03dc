#include "attnlim/drivers/sweep_records.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include <boost/archive/iterators/base64_from_binary.hpp>
#include <boost/archive/iterators/binary_from_base64.hpp>
#include <boost/archive/iterators/transform_width.hpp>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"
#include "attnlim/engine/run_spec.hpp"
#include "attnlim/io/files.hpp"

namespace attnlim {

const std::vector<std::string> kSweepObservables = {"e_min", "w_max", "ipr", "n_eff", "entropy", "bias", "log_z"};
const std::vector<std::string> kStoredObservables = {"ipr", "w_max", "entropy", "e_min"};

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "stored trial values are little-endian float64");

std::string encode_doubles(const std::vector<double>& values) {
  using namespace boost::archive::iterators;
  using Encoder = base64_from_binary<transform_width<const char*, 6, 8>>;
  const char* bytes = reinterpret_cast<const char*>(values.data());
  const std::size_t size = values.size() * sizeof(double);
  std::string text(Encoder(bytes), Encoder(bytes + size));
  text.append((3 - size % 3) % 3, '=');
  return text;
}

std::vector<double> decode_doubles(const std::string& text) {
  using namespace boost::archive::iterators;
  using Decoder = transform_width<binary_from_base64<std::string::const_iterator>, 8, 6>;
  if (text.size() % 4 != 0) throw std::invalid_argument("base64 text whose length is not a multiple of 4");
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  const std::string body = text.substr(0, text.size() - padding);
  std::string bytes;
  try {
    bytes.assign(Decoder(body.begin()), Decoder(body.end()));
  } catch (const std::exception&) {
    throw std::invalid_argument("characters outside base64");
  }
  bytes.resize(text.size() / 4 * 3 - padding);
  if (bytes.size() % sizeof(double) != 0) throw std::invalid_argument("not a whole number of float64 values");
  std::vector<double> values(bytes.size() / sizeof(double));
  std::memcpy(values.data(), bytes.data(), bytes.size());
  return values;
}

namespace {

// Why `r` is not a record that sweep_csv can read ("" when it is one).
std::string record_problem(const nlohmann::json& r) {
  if (!r.is_object()) return "not a JSON object";
  if (!r.contains("sweep") || !r["sweep"].is_object()) return "no 'sweep' object";
  if (!r.contains("d") || !r["d"].is_number_integer() || r["d"].get<long long>() < 2 ||
      r["d"].get<long long>() > kMaxDimension)
    return "no integer 'd'";
  if (!r.contains("n") || !r["n"].is_number_unsigned() || r["n"].get<std::uint64_t>() < 1) return "no integer 'n'";
  if (!r.contains("results") || !r["results"].is_array()) return "no 'results' list";
  for (const auto& e : r["results"]) {
    if (!e.is_object() || !e.contains("beta_spec") || !e["beta_spec"].is_string() || !e.contains("beta_value") ||
        !e["beta_value"].is_number() || !e.contains("beta") || !e["beta"].is_number() || !e.contains("observables") ||
        !e["observables"].is_object())
      return "a result lacks beta_spec, beta_value, beta or observables";
    for (const std::string& name : kSweepObservables) {
      const auto it = e["observables"].find(name);
      if (it == e["observables"].end() || !it->is_object()) return "a result lacks " + name;
      for (const char* field : {"mean", "stderr"})
        if (!it->contains(field) || !((*it)[field].is_number() || (*it)[field].is_null()))
          return fmt::format("a result lacks {}.{}", name, field);
    }
  }
  return "";
}

// A number of a record; null (how JSON stores a NaN, e.g. the stderr of one trial) reads as nan.
double number_of(const nlohmann::json& v) { return v.is_null() ? std::nan("") : v.get<double>(); }

}  // namespace

SweepRecords read_sweep_records(const std::string& path) {
  SweepRecords file;
  const std::optional<std::string> content = read_file_from_root(path);  // the same records on every MPI rank
  if (!content) return file;
  const std::string& text = *content;
  const auto refuse = [&](int line, const std::string& why) {
    return InputError("out", fmt::format("{} line {} is not a record of attnlim sweep ({}); fix or remove it, or "
                                         "choose another {}",
                                         path, line, why, field_ref("out")));
  };
  std::size_t pos = 0;
  for (int line = 1; pos < text.size(); ++line) {
    const std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) {
      if (text[pos] != '{') throw refuse(line, "an unterminated line that is not a cut-off record");
      file.torn = true;
      break;
    }
    const std::string content = text.substr(pos, end - pos);
    pos = end + 1;
    file.kept += content + "\n";
    if (content.empty()) continue;
    nlohmann::json r = nlohmann::json::parse(content, nullptr, false);
    if (r.is_discarded()) throw refuse(line, "not JSON");
    const std::string why = record_problem(r);
    if (!why.empty()) throw refuse(line, why);
    file.records.push_back(std::move(r));
  }
  return file;
}

nlohmann::json record_fingerprint(const nlohmann::json& record) {
  nlohmann::json fingerprint = record["sweep"];
  if (!fingerprint.contains("keys")) fingerprint["keys"] = "uniform";
  return fingerprint;
}

std::string sweep_csv(const std::vector<nlohmann::json>& records) {
  std::string s = "d,n,beta_spec,beta_value,beta";
  for (const std::string& name : kSweepObservables) s += fmt::format(",{0}_mean,{0}_stderr", name);
  s += "\n";
  for (const auto& r : records)
    for (const auto& e : r["results"]) {
      s += fmt::format("{},{},{},{:.17g},{:.17g}", r["d"].get<int>(), r["n"].get<std::uint64_t>(),
                       e["beta_spec"].get<std::string>(), number_of(e["beta_value"]), number_of(e["beta"]));
      for (const std::string& name : kSweepObservables) {
        const auto& o = e["observables"][name];
        s += fmt::format(",{:.17g},{:.17g}", number_of(o["mean"]), number_of(o["stderr"]));
      }
      s += "\n";
    }
  return s;
}

}  // namespace attnlim
