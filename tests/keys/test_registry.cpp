// The key-model registry: --keys SPECs parsed into the model they name, refused with one reason naming
// `keys`, and the hooks of the model held (describe, local law, distance law, n = infinity output, tiers).
#include <gtest/gtest.h>

#include <cmath>

#include "attnlim/core/errors.hpp"
#include "attnlim/keys/registry.hpp"
#include "attnlim/theory/distance.hpp"
#include "attnlim/theory/local_law.hpp"
#include "attnlim/theory/subcritical.hpp"

using namespace attnlim;

namespace {

std::string refusal(const std::string& spec, int d = 5) {
  try {
    parse_key_model(spec, d);
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "keys") << e.what();
    EXPECT_EQ(e.for_command_line().rfind("--keys: ", 0), 0u) << e.for_command_line();
    return e.problem();
  }
  return "accepted";
}

}  // namespace

TEST(KeyRegistry, ParsesUniformAtAnyDimension) {
  for (int d : {2, 3, 128, 65536}) {
    const AnyKeyModel model = parse_key_model("uniform", d);
    ASSERT_TRUE(std::holds_alternative<UniformKeys>(model));
    EXPECT_EQ(dimension(model), d);
    EXPECT_EQ(describe(model), "uniform");
    EXPECT_TRUE(symmetric_about_query(model));
    EXPECT_TRUE(supports_tier(model, SamplerTier::projected, nullptr));
    EXPECT_TRUE(supports_tier(model, SamplerTier::full, nullptr));
  }
  EXPECT_EQ(key_model_names(), (std::vector<std::string>{"uniform", "vmf", "subsphere", "power", "harmonic", "mix"}));
}

TEST(KeyRegistry, RefusesBadSpecsWithOneReason) {
  EXPECT_NE(refusal("").find("empty"), std::string::npos);
  const std::string unknown = refusal("vmf2:kappa=1");
  EXPECT_NE(unknown.find("unknown key model 'vmf2'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("known: uniform, vmf, subsphere, power, harmonic, mix"), std::string::npos) << unknown;
  EXPECT_NE(refusal("uniform:x=1").find("no parameter 'x'"), std::string::npos);
  EXPECT_NE(refusal("uniform:").find("no parameters"), std::string::npos);
  EXPECT_NE(refusal("uniform:x").find("KEY=VALUE"), std::string::npos);
  EXPECT_NE(refusal("uniform:x=1,x=2").find("twice"), std::string::npos);
  EXPECT_NE(refusal(":x=1").find("no model name"), std::string::npos);
}

TEST(KeyParams, ReadsNumbersAndRefusesUnused) {
  KeyParams p = KeyParams::parse("model:kappa=2.5,m=3,angle=-0.5");
  EXPECT_EQ(p.name(), "model");
  EXPECT_EQ(p.real("kappa"), 2.5);
  EXPECT_EQ(p.whole("m", 2, 10), 3);
  EXPECT_EQ(p.real("eps", 0.25), 0.25);  // not given: the fallback
  EXPECT_THROW(p.finish(), InputError);  // angle was never read
  EXPECT_EQ(p.real("angle"), -0.5);
  EXPECT_NO_THROW(p.finish());
  KeyParams q = KeyParams::parse("model:kappa=abc,m=2.5");
  EXPECT_THROW(q.real("kappa"), InputError);
  EXPECT_THROW(q.whole("m", 2, 10), InputError);
  EXPECT_THROW(q.real("missing"), InputError);
}

// Uniform keys' hooks are the theory module's uniform-key functions.
TEST(KeyRegistry, UniformHooksAreTheUniformTheory) {
  const AnyKeyModel model = parse_key_model("uniform", 7);
  const theory::LocalLaw law = local_law(model);
  EXPECT_EQ(law.a, 3.0);
  EXPECT_EQ(law.log_c, theory::log_c_d(7));
  EXPECT_EQ(law.c, theory::c_d(7));
  EXPECT_EQ(distance_log_cdf(model, 0.01), theory::log_distance_cdf(7, 0.01));
  const LimitOutput out = limit_output(model, 12.0);
  EXPECT_EQ(out.e1, theory::A_d(7, 12.0));
  EXPECT_EQ(out.e2, 0.0);
  // c_d overflows a double beyond d ~ 2049: the law keeps log c and marks c as not representable.
  EXPECT_TRUE(std::isnan(local_law(parse_key_model("uniform", 4096)).c));
}
