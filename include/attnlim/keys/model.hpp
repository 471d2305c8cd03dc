// What every key model's host hooks share: the parsed parameters of a --keys SPEC and the n = infinity
// output in the query frame. Host only.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace attnlim {

// A key-model SPEC "name" or "name:k1=v1,k2=v2" split into its name and parameters (text as given).
// Parameters are read with the accessors below; finish() refuses any that no accessor asked for. A model
// whose parameters are not k=v pairs (a mixture's list of SPECs) reads the text after ':' with take_rest().
// Every error is an InputError naming the field "keys" and quoting the SPEC.
class KeyParams {
 public:
  static KeyParams parse(const std::string& spec);

  const std::string& name() const { return name_; }
  const std::string& spec() const { return spec_; }
  // The text after "name:" as it is ("" without ':'); the parameters then count as read.
  std::string take_rest();
  // The value of parameter `key`: a finite real (required), or `fallback` where not given.
  double real(const std::string& key);
  double real(const std::string& key, double fallback);
  // A whole number in [min, max].
  long long whole(const std::string& key, long long min, long long max);
  // Refuses parameters that were given but never read (a typo would otherwise pass silently).
  void finish();

 private:
  const std::string* find(const std::string& key);
  void split_pairs();  // parses rest_ into values_ on first use
  std::string name_, spec_, rest_;
  bool has_colon_ = false, split_ = false, rest_taken_ = false;
  std::vector<std::pair<std::string, std::string>> values_;
  std::vector<bool> used_;
};

// A distance law in closed form (the order-statistics engine's input): E/2 ~ Beta(p, q), and the key's direction
// uniform on the unit sphere of the first tangent_dim tangent coordinates. Models without one return nothing.
struct BetaDistance {
  double p = 1.0, q = 1.0;
  int tangent_dim = 1;
};

// The n = infinity output O = E[e^{beta X} K] / E[e^{beta X}] in the query frame: its components on
// q = e_1 and on e_2 (the unit tangent at q toward the model's axis; 0 for models symmetric about q).
struct LimitOutput {
  double e1 = 0.0, e2 = 0.0;
};

}  // namespace attnlim
