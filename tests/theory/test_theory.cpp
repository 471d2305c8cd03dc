// Tests of the theory module (THEORY.md) against independent high-precision values.
// Reference constants: scripts/theory_reference.py (mpmath, 60 digits unless noted); each block says
// which function of that script produced it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "attnlim/core/errors.hpp"
#include "attnlim/theory/theory.hpp"
#include "support/cli_runner.hpp"

namespace th = attnlim::theory;

namespace {
void expect_rel(double got, double want, double tol, const std::string& what) {
  EXPECT_LE(std::abs(got - want), tol * std::abs(want)) << what << ": got " << got << " want " << want;
}
}  // namespace

// --- c_d: theory_reference.py c_d() = 2^a / ((d-1) B(1/2, a)) -----------------------------------
TEST(TheoryConstants, CdAgainstMpmath) {
  expect_rel(th::c_d(2), 0.45015815807855303478, 1e-14, "c_2");
  EXPECT_DOUBLE_EQ(th::c_d(3), 0.5);  // closed form c_3 = 1/2
  expect_rel(th::c_d(5), 0.75, 1e-14, "c_5");
  expect_rel(th::c_d(16), 18.338191171926061655, 1e-14, "c_16");
  expect_rel(th::c_d(128), 460848341023601268.74, 1e-13, "c_128");
  expect_rel(th::log_c_d(4096), 1414.1410916150793201, 1e-14, "log c_4096");
  EXPECT_THROW(th::c_d(4096), std::overflow_error);
  EXPECT_DOUBLE_EQ(th::local_exponent(5), 2.0);
  // critical_scale = (n c_d)^{2/(d-1)}: d = 3 gives n/2.
  expect_rel(th::critical_scale(3, 1e6), 5e5, 1e-14, "scale d=3");
  expect_rel(th::critical_beta(5, 1e6, 2.0), 2.0 * std::sqrt(0.75e6), 1e-14, "critical_beta d=5");
}

// --- A_d, 1 - A_d, log M, Var: theory_reference.py bessel_ratio(), log_M(), tilted_variance() ----
struct BesselRow {
  int d;
  double beta, A, bias, log_M, variance;
};
const BesselRow kBesselRows[] = {
    {2, 1e-6, 4.999999999999375e-7, 0.99999950000000000006, 2.49999999999984375e-13, 0.4999999999998125},
    {2, 0.1, 0.049937603987938919425, 0.95006239601206108057, 0.0024984392338762433813, 0.49813019582855459268},
    {2, 1, 0.44638996589653450705, 0.55361003410346549295, 0.23591435850717864869, 0.3543460324503562527},
    {2, 10, 0.94859982595484595897, 0.051400174045154041029, 7.9429720831186955545, 0.0052983876029513590269},
    {2, 1e3, 0.9994998748748042802, 0.00050012512519571980108, 995.62730888986946467, 5.0025037578328755973e-7},
    {2, 1e6, 0.99999949999987499987, 5.000001250001250002e-7, 999992.17330631281325, 5.0000025000037500078e-13},
    {2, 1e12, 0.9999999999995, 5.00000000000125e-13, 999999999985.26555091, 5.0000000000025e-25},
    {3, 1e-6, 3.3333333333331111111e-7, 0.99999966666666666669, 1.6666666666666111111e-13, 0.33333333333326666667},
    {3, 0.1, 0.033311132253989610145, 0.96668886774601038985, 0.0016661114635804605114, 0.33266772338816501017},
    {3, 1, 0.31303528549933130364, 0.68696471450066869636, 0.16143936157119563361, 0.27593833903368953359},
    {3, 10, 0.90000000412230725337, 0.099999995877692746626, 7.004267724384855382, 0.0099999917553854762589},
    {3, 1e3, 0.999, 0.001, 992.39909754045791764, 1.0e-6},
    {3, 1e6, 0.999999, 1.0e-6, 999985.49134226147578, 1.0e-12},
    {3, 1e12, 0.999999999999, 1.0e-12, 999999999971.6758317, 1.0e-24},
    {5, 1e-6, 1.9999999999999428571e-7, 0.99999980000000000001, 9.9999999999998571429e-14, 0.19999999999998285714},
    {5, 0.1, 0.019994288252748485504, 0.9800057117472515145, 0.0009998571851699365837, 0.19982869832732658374},
    {5, 1, 0.19452804946532511362, 0.80547195053467488638, 0.098612288668109691395, 0.18404664010991557132},
    {5, 10, 0.81111110602184292038, 0.18888889397815707962, 5.6949344089814344703, 0.017654331279285525232},
    {5, 1e3, 0.998001001001001001, 0.001998998998998998999, 986.58895404981030674, 1.997996995994993993e-6},
    {5, 1e6, 0.999998000001000001, 1.999998999998999999e-6, 999972.77444299217912, 1.999997999996999996e-12},
    {5, 1e12, 0.999999999998, 1.999999999999e-12, 999999999945.14342288, 1.999999999998e-24},
    {16, 1e-6, 6.2499999999999782986e-8, 0.9999999375, 3.1249999999999945747e-14, 0.062499999999999348958},
    {16, 0.1, 0.0062497829996734945283, 0.99375021700032650547, 0.00031249457487882160387, 0.062493490261432812938},
    {16, 1, 0.062284332675995444613, 0.93771566732400455539, 0.031195971360551217604, 0.061855671763174256942},
    {16, 10, 0.48762166797939138919, 0.51237833202060861081, 2.7314741409784842419, 0.030792606947909102582},
    {16, 1e3, 0.99252439911338033956, 0.0074756008866196604423, 960.62570139902839718, 7.4511779225871379502e-6},
    {16, 1e6, 0.99999250002437502437, 7.4999756249756252605e-6, 999908.84189953203612, 7.499951249926876042e-12},
    {16, 1e12, 0.9999999999925, 7.499999999975625e-12, 999999999805.22559472, 7.49999999995125e-24},
    {128, 1e-6, 7.8124999999999995305e-9, 0.9999999921875, 3.9062499999999998826e-15, 0.0078124999999999985915},
    {128, 0.1, 0.00078124953049935383037, 0.99921875046950064617, 0.000039062488262479214484, 0.007812485914991729964},
    {128, 1, 0.0078120305543653792502, 0.99218796944563462075, 0.0039061326339610747539, 0.0078110917742144969649},
    {128, 10, 0.077660976382128363632, 0.92233902361787163637, 0.38946040929795034858, 0.0076743726943442823696},
    {128, 1e3, 0.93848438951094097195, 0.061515610489059028046, 803.13147932466573999, 0.000059533176386923541947},
    {128, 1e6, 0.99993650198437698241, 0.000063498015623017590903, 999366.47174543463047, 6.3496031244054738621e-11},
    {128, 1e12, 0.9999999999365, 6.3499999998015625e-11, 999999998489.18880938, 6.349999999603125e-23},
    {4096, 1e-6, 2.4414062499999999999e-10, 0.999999999755859375, 1.220703125e-16, 0.00024414062499999999996},
    {4096, 0.1, 0.000024414062485455186749, 0.99997558593751454481, 1.2207031246363796686e-6, 0.0002441406245636556028},
    {4096, 1, 0.00024414061045518846342, 0.99975585938954481154, 0.00012207030886379697151, 0.00024414058136556885464},
    {4096, 10, 0.0024413917053599471864, 0.99755860829464005281, 0.012206994888255522415, 0.00024413626164262683027},
    {4096, 1e3, 0.23110671678830691339, 0.76889328321169308661, 118.69432982430196394, 0.00020768020721248913571},
    {4096, 1e6, 0.99795459510427537217, 0.0020454048957246278341, 986692.92672133485399, 2.0433097937436152941e-9},
    {4096, 1e12, 0.9999999979525000021, 2.047499997904895625e-9, 999999958407.7639565, 2.04749999580979125e-21},
};

TEST(TheoryBessel, AgainstMpmathGrid) {
  for (const BesselRow& row : kBesselRows) {
    const std::string at = "d=" + std::to_string(row.d) + " beta=" + std::to_string(row.beta);
    expect_rel(th::A_d(row.d, row.beta), row.A, 1e-12, "A " + at);
    expect_rel(th::bias(row.d, row.beta), row.bias, 1e-10, "bias " + at);
    expect_rel(th::log_M(row.d, row.beta), row.log_M, 1e-10, "log_M " + at);
    expect_rel(th::tilted_variance(row.d, row.beta), row.variance, 1e-10, "variance " + at);
  }
}

TEST(TheoryBessel, LogRatioAgainstMpmath) {
  // theory_reference.py: log_M(d, 2b) - 2 log_M(d, b).
  expect_rel(th::log_M2_over_M_squared(3, 1), 0.27234146891183155342, 1e-12, "d=3");
  expect_rel(th::log_M2_over_M_squared(16, 1e3), 34.187891311154842633, 1e-12, "d=16");
  expect_rel(th::log_M2_over_M_squared(128, 1e6), 589.51440078805656947, 1e-12, "d=128");
  expect_rel(th::log_M2_over_M_squared(4096, 1e4), 2769.6030061179795796, 1e-11, "d=4096");
}

TEST(TheoryBessel, ClosedFormsAndLimits) {
  // d = 3: X uniform, M = sinh(b)/b, A = coth(b) - 1/b.
  for (double b : {0.5, 1.0, 3.0, 10.0, 30.0}) {
    expect_rel(th::A_d(3, b), 1.0 / std::tanh(b) - 1.0 / b, 1e-13, "A_3");
    expect_rel(th::log_M(3, b), std::log(std::sinh(b) / b), 1e-13, "log M_3");
  }
  // Large beta: 1 - A_d ~ (d-1)/(2 beta), relative correction O(1/beta).
  for (int d : {2, 5, 64, 512}) {
    const double beta = 1e9;
    expect_rel(th::bias(d, beta), (d - 1) / (2.0 * beta), 1e-6 * d, "bias asymptote d=" + std::to_string(d));
  }
  // Value given in another issue: 1 - A_5(10) = 0.188888893978.
  EXPECT_NEAR(th::bias(5, 10.0), 0.188888893978, 5e-13);
  // beta = 0: A = 0, M = 1, Var X = 1/d.
  EXPECT_EQ(th::A_d(7, 0.0), 0.0);
  EXPECT_EQ(th::log_M(7, 0.0), 0.0);
  expect_rel(th::tilted_variance(7, 0.0), 1.0 / 7.0, 1e-15, "Var at 0");
  // Continuity across the switch between recurrence and Hankel expansion (t_H = nu^2/2 for d = 128).
  const double t_h = 0.5 * 63.0 * 63.0;
  expect_rel(th::bias(128, std::nextafter(t_h, 0.0)), th::bias(128, t_h), 1e-12, "switch");
  expect_rel(th::tilted_variance(128, std::nextafter(t_h, 0.0)), th::tilted_variance(128, t_h), 1e-11, "switch var");
}

TEST(TheoryBessel, SubcriticalPredictions) {
  // beta = 0: uniform weights, Cov(O) = I/(n d), n_eff = n.
  const th::Subcritical zero = th::subcritical(4, 0.0, 1000.0);
  expect_rel(zero.radial_variance, 1.0 / 4000.0, 1e-14, "radial at 0");
  expect_rel(zero.tangential_variance, 1.0 / 4000.0, 1e-14, "tangential at 0");
  expect_rel(zero.n_eff, 1000.0, 1e-14, "n_eff at 0");
  // d = 3 closed forms: M(b) = sinh b / b; E[e^{2bX}(1-X^2)] = (d-1) M(2b) A(2b)/(2b).
  const double b = 2.0, n = 100.0;
  const double M1 = std::sinh(b) / b, M2 = std::sinh(2 * b) / (2 * b);
  const double A1 = 1 / std::tanh(b) - 1 / b, A2 = 1 / std::tanh(2 * b) - 1 / (2 * b);
  const double EX2 = 1 - 2 * A2 / (2 * b);  // E_{2b}[X^2]
  const th::Subcritical sub = th::subcritical(3, b, n);
  expect_rel(sub.n_eff, n * M1 * M1 / M2, 1e-13, "n_eff d=3");
  expect_rel(sub.tangential_variance, M2 * (1 - EX2) / (2 * M1 * M1 * n), 1e-12, "tangential d=3");
  expect_rel(sub.radial_variance, M2 * (EX2 - 2 * A1 * A2 + A1 * A1) / (M1 * M1 * n), 1e-10, "radial d=3");
  // Large beta: radial ~ (1/n) M(2b)/M(b)^2 [ (d-1)/(2 (2b)^2) + ((d-1)/(4b))^2 ], no cancellation.
  const double big = 1e10;
  const th::Subcritical far = th::subcritical(16, big, 1.0);
  const double ratio = std::exp(th::log_M2_over_M_squared(16, big));
  expect_rel(far.radial_variance, ratio * (15.0 / (2 * 4 * big * big) + std::pow(15.0 / (4 * big), 2)), 1e-8, "radial far");
}

// --- distance law: theory_reference.py log_cdf(), quantile_from_log() ---------------------------
TEST(TheoryDistance, LogCdfAgainstMpmath) {
  expect_rel(th::log_distance_cdf(2, 0.5), -1.0986122886681096914, 1e-14, "d=2");
  expect_rel(th::log_distance_cdf(3, 0.7), -1.0498221244986776883, 1e-14, "d=3");
  expect_rel(th::log_distance_cdf(16, 1.3), -0.12899192817063772797, 1e-13, "d=16");
  expect_rel(th::log_distance_cdf(128, 0.9), -2.0421162854114043066, 1e-12, "d=128");
  expect_rel(th::log_distance_cdf(16, 1e-20), -342.47877811462749159, 1e-13, "d=16 tiny");
  expect_rel(th::log_distance_cdf(3, 2e-300), -690.77552789821370521, 1e-14, "d=3 at 1e-300");
  expect_rel(th::log_distance_cdf(128, 1e-3), -398.00138777622484314, 1e-12, "d=128 below 1e-170");
  // Below the smallest double: d = 16 at s = 1e-45 has log P ~ -772.
  EXPECT_TRUE(std::isfinite(th::log_distance_cdf(16, 1e-45)));
  expect_rel(th::log_distance_cdf(16, 1e-45), std::log(th::c_d(16)) + 7.5 * std::log(1e-45), 1e-12, "power law below 1e-308");
  // d = 3: E is uniform on [0, 2].
  expect_rel(th::distance_cdf(3, 0.3), 0.15, 1e-15, "d=3 uniform");
  expect_rel(th::log_distance_sf(3, 0.3), std::log(0.85), 1e-15, "d=3 sf");
}

TEST(TheoryDistance, PowerLawNearZero) {
  for (int d : {2, 3, 5, 16, 128}) {
    const double a = th::local_exponent(d), s = 1e-8;
    // P(E <= s) = c_d s^a (1 + O(s)).
    expect_rel(std::exp(th::log_distance_cdf(d, s) - th::log_c_d(d) - a * std::log(s)), 1.0, 1e-6 * d,
               "power law d=" + std::to_string(d));
  }
}

TEST(TheoryDistance, QuantileAgainstMpmath) {
  expect_rel(th::distance_quantile_log(3, -0.5), 1.2130613194252668472, 1e-13, "d=3");
  expect_rel(th::distance_quantile_log(16, -3), 0.58716820423158509872, 1e-12, "d=16");
  expect_rel(th::log_distance_quantile_log(2, -690.7755), -1379.954687408861145, 1e-13, "d=2 log s");
  expect_rel(th::distance_quantile_log(16, -690.7755), 6.7850660966603861347e-41, 1e-11, "d=16 1e-300");
  expect_rel(th::distance_quantile_log(128, -2000), 1.1047585533531012135e-14, 1e-11, "d=128 e^-2000");
  expect_rel(th::distance_quantile_log(4096, -1000), 0.3795062128166256578, 1e-11, "d=4096 e^-1000");
  // Round trips.
  for (int d : {2, 3, 7, 64, 1024})
    for (double p : {1e-300, 1e-30, 0.01, 0.5, 0.9}) {
      const double s = th::distance_quantile(d, p);
      if (s == 0.0) continue;  // d = 2 at 1e-300: s ~ 1e-600 underflows (log_distance_quantile_log covers it)
      expect_rel(th::log_distance_cdf(d, s), std::log(p), 1e-12, "round trip d=" + std::to_string(d));
    }
}

// --- local laws ---------------------------------------------------------------------------------
TEST(TheoryLaws, SubsphereAndPowerDensity) {
  const th::LocalLaw sub = th::subsphere_law(5);
  EXPECT_DOUBLE_EQ(sub.a, 2.0);
  expect_rel(std::exp(sub.log_c), 0.75, 1e-14, "subsphere c = c_5");
  // gamma = 0 is the uniform law.
  const th::LocalLaw flat = th::power_density_law(9, 0.0);
  EXPECT_DOUBLE_EQ(flat.a, 4.0);
  expect_rel(flat.log_c, th::log_c_d(9), 1e-13, "gamma=0");
  // gamma = 2 on S^2: density (|x-q|^2 = 2E) / E|K-q|^2 = E (E[E] = 1), so P(E <= s) = s^2/4 exactly.
  const th::LocalLaw sq = th::power_density_law(3, 2.0);
  EXPECT_DOUBLE_EQ(sq.a, 2.0);
  expect_rel(std::exp(sq.log_c), 0.25, 1e-14, "gamma=2 d=3");
  expect_rel(th::critical_beta(sq, 400.0, 1.0), std::sqrt(100.0), 1e-14, "beta = (n c)^{1/a}");
  EXPECT_THROW(th::power_density_law(3, -2.0), attnlim::InputError);
}

// --- critical law: theory_reference.py mecke_ipr_a1 / mecke_entropy_a1 (dps 30), mecke_ipr_general (dps 20)
TEST(TheoryCritical, MeckeAgainstMpmath) {
  expect_rel(th::critical_ipr(1.0, 1.0), 0.43854051643311483, 1e-11, "ipr a=1 l=1");  // issue: about 0.4385
  expect_rel(th::critical_entropy(1.0, 1.0), 1.1271791987777646, 1e-11, "H a=1 l=1");
  expect_rel(th::critical_ipr(1.0, 2.5), 0.69066083081042476, 1e-10, "ipr a=1 l=2.5");
  expect_rel(th::critical_entropy(1.0, 2.5), 0.55584958682234429818, 1e-10, "H a=1 l=2.5");
  expect_rel(th::critical_ipr(2.5, 3.0), 0.374773640851059, 1e-10, "ipr a=2.5 l=3");
  // a = 1/2: Psi grows like (log u)^{1/2}; the mpmath reference itself is good to ~1e-6 here.
  expect_rel(th::critical_ipr(0.5, 1.0), 0.691854486503123, 1e-6, "ipr a=1/2 l=1");
}

// --- critical law at large local exponent (d = 128, 1024, 4096), around lambda ~ a --------------------
// References: scripts/theory_reference.py --large, function mecke_general(a, lambda, 'ipr' | 'entropy'):
// nested mpmath quadrature (tanh-sinh) of the THEORY.md section 3 Mecke/Frullani integrals in
// t = lambda y and r = log u, at mp.dps = 20 (it reproduces the a = 1 values above to all 17 digits
// and mecke_ipr_general's ipr(a=2.5, lambda=3) to its 15). The C++ values agree to <= 3e-13; 1e-10
// leaves room for a different libm or compiler.
TEST(TheoryCritical, MeckeLargeExponentAgainstMpmath) {
  struct Row {
    double a, lambda, ipr, entropy;
  };
  const Row rows[] = {
      {63.5, 63.5, 0.0799814909311702421, 7.46037880685223313},
      {511.5, 400.0, 6.3204515639207779e-11, 129.806949351571884},
      {511.5, 511.5, 0.0315579255770953044, 19.5138020008270168},
      {511.5, 700.0, 0.272140555591445363, 3.24976865437882573},
      {2047.5, 2000.0, 0.00517553369477084573, 62.9906797390558868},
      {2047.5, 3000.0, 0.3180423887759165916, 2.7088275822901713},
  };
  for (const Row& row : rows) {
    const std::string at = " a=" + std::to_string(row.a) + " l=" + std::to_string(row.lambda);
    expect_rel(th::critical_ipr(row.a, row.lambda), row.ipr, 1e-10, "ipr" + at);
    expect_rel(th::critical_entropy(row.a, row.lambda), row.entropy, 1e-10, "H" + at);
  }
}

// Deep supercritical (lambda = 100 a): in the Frullani form E[H] is a small difference of O(1) terms
// spread over a range of r of width ~lambda/a. Same script and function, dps 20. These lambda now take
// the nearest-point form (lambda >= 2 max(a, 1)), which agrees to 5e-16 and 6e-16 (the Frullani form
// gave 3e-13 and 1.6e-12); the two derivations agreeing is itself a check of the nearest-point one.
TEST(TheoryCritical, EntropySupercriticalAgainstMpmath) {
  expect_rel(th::critical_entropy(1.0, 100.0), 0.0163745377490789005, 1e-12, "H a=1 l=100");
  expect_rel(th::critical_entropy(7.5, 750.0), 0.0157355513068087677, 1e-12, "H a=7.5 l=750");
}

// Large lambda (defect: lambda = 1e4 gave E[H] = -0.22, lambda >= 1e5 Euler's constant: the Frullani form
// subtracts two terms ~lambda to get ~a/lambda). References: scripts/theory_reference.py --nearest,
// function nearest_point(a, lambda): the same nearest-point formulas as the C++ but an independent
// evaluation: inner integrals as series in u of closed-form moments (mpmath incomplete gamma), composite
// Gauss-Legendre in u and log t, mp.dps = 50; 10 and 20 nodes per piece agree to ~1e-16 relative. The
// formulas themselves are checked against the Frullani form above (a = 1, 7.5 at lambda = 100 a, and at
// the switch below). Each row: a, lambda, E[H], E[1 - sum W^2]. The C++ values agree to ~1e-15.
TEST(TheoryCritical, NearestPointAgainstMpmath) {
  struct Row {
    double a, lambda, entropy, ipr_deficit;
  };
  const Row rows[] = {
      {1.0, 1e4, 0.00016448589415606171964, 0.000099993068902230532078},
      {1.0, 1e6, 1.644933315562988785e-6, 9.9999930685319341525e-7},
      {1.0, 1e9, 1.6449340660969407993e-9, 9.9999999930685274235e-10},
      {2.5, 1e4, 0.00036748484419355409953, 0.00022337883373081280675},
      {2.5, 1e6, 3.6744387320757720576e-6, 2.2337883732156346849e-6},
      {2.5, 1e9, 3.6744345973766260551e-9, 2.2337883732192254617e-9},
      {63.5, 1e4, 0.010424195692359477847, 0.0063083649187045632626},
      {63.5, 1e6, 0.00010377320592233423405, 0.000063083681395086101199},
      {63.5, 1e9, 1.037685013033185395e-7, 6.3083681398288229739e-8},
  };
  for (const Row& row : rows) {
    const std::string at = " a=" + std::to_string(row.a) + " l=" + std::to_string(row.lambda);
    expect_rel(th::critical_entropy(row.a, row.lambda), row.entropy, 1e-12, "H" + at);
    const double ipr = th::critical_ipr(row.a, row.lambda);
    expect_rel(ipr, 1.0 - row.ipr_deficit, 1e-15, "ipr" + at);
    // 1 - ipr itself, to the precision a double near 1 carries (2^-53 absolute).
    EXPECT_NEAR(1.0 - ipr, row.ipr_deficit, 1e-12 * row.ipr_deficit + 2.3e-16) << "1 - ipr" << at;
  }
}

// At lambda >> a one extra point at a gap of density m'(0) = a t^{1-1/a}/lambda (t = Gamma_1) carries
// everything: E[H] -> (pi^2/6) a Gamma(2 - 1/a) / lambda (int_0^inf log(1 + e^-x) + x/(e^x + 1) dx = pi^2/6)
// and E[1 - ipr] -> a Gamma(2 - 1/a) / lambda (int 2 e^-x / (1 + e^-x)^2 dx = 1), with relative
// corrections O(a/lambda). Closed forms, independent of any quadrature.
TEST(TheoryCritical, LargeLambdaAsymptotics) {
  for (double a : {1.0, 2.5, 63.5, 2047.5}) {
    const double scale = a * std::tgamma(2.0 - 1.0 / a);
    const double lambda = 1e12;
    expect_rel(th::critical_entropy(a, lambda) * lambda / (M_PI * M_PI / 6.0 * scale), 1.0, 1e-7,
               "H lambda a=" + std::to_string(a));
    const double lambda_ipr = 1e9 * a;  // 1 - ipr must stay well above 2^-53
    expect_rel((1.0 - th::critical_ipr(a, lambda_ipr)) * lambda_ipr / scale, 1.0, 1e-6,
               "(1 - ipr) lambda a=" + std::to_string(a));
  }
}

// The two forms meet at lambda = 2 max(a, 1): just below it the Frullani form, at it the nearest-point
// form. They agree to ~2e-13 (the Frullani form's own accuracy there).
TEST(TheoryCritical, FormsAgreeAtTheSwitch) {
  for (double a : {0.5, 1.0, 2.5, 63.5, 2047.5}) {
    const double lambda = 2.0 * std::max(a, 1.0), below = lambda * (1.0 - 1e-13);
    const std::string at = " a=" + std::to_string(a);
    expect_rel(th::critical_entropy(a, below), th::critical_entropy(a, lambda), 1e-11, "H" + at);
    expect_rel(th::critical_ipr(a, below), th::critical_ipr(a, lambda), 1e-12, "ipr" + at);
  }
}

// Property: for every local exponent the tool supports (d = 2 .. 4096) and lambda from 1e-3 to 1e12,
// E[H] > 0 and strictly decreasing, E[index_of(Observable::ipr)] in [0, 1] and non-decreasing, 1 - E[index_of(Observable::ipr)] > 0 until it is
// below 2^-53 (a double near 1 cannot hold it).
TEST(TheoryCritical, EntropyPositiveAndDecreasingUpTo1e12) {
  for (double a : {0.5, 1.0, 2.5, 7.5, 63.5, 511.5, 2047.5}) {
    double previous_h = std::numeric_limits<double>::infinity(), previous_ipr = 0.0;
    for (int e = -3; e <= 12; ++e) {
      const double lambda = std::pow(10.0, e);
      const std::string at = "a=" + std::to_string(a) + " lambda=1e" + std::to_string(e);
      const double h = th::critical_entropy(a, lambda), ipr = th::critical_ipr(a, lambda);
      ASSERT_TRUE(std::isfinite(h) && std::isfinite(ipr)) << at;
      EXPECT_GT(h, 0.0) << at;
      EXPECT_LT(h, previous_h) << at;
      EXPECT_GE(ipr, previous_ipr) << at;
      EXPECT_LE(ipr, 1.0) << at;
      if (e <= 6) EXPECT_LT(ipr, 1.0) << at;
      previous_h = h;
      previous_ipr = ipr;
    }
    EXPECT_LT(previous_h, 1e-8) << "a=" << a;  // -> 0 like a / lambda
  }
}

// The whole (a, lambda) grid of the CLI's range: every value finite, in range, monotone in lambda, and
// E[index_of(Observable::ipr)] >= E[exp(-H)] >= exp(-E[H]) (Jensen twice: sum W^2 = E_W[W] >= exp(E_W[log W])). No timing
// assertion: each call takes ~0.1 s; before the fix some took minutes at a = 2047.5, lambda ~ a, which
// would show up here as a ctest timeout. Split in two so that ctest -j runs the halves side by side.
namespace {
void check_critical_grid(std::initializer_list<double> exponents) {
  const double factors[] = {0.01, 0.1, 1.0, 1.5, 10.0, 100.0};  // lambda / a; 1.5 ~ d = 4096, lambda = 3000
  for (double a : exponents) {
    double previous_ipr = -1.0, previous_h = std::numeric_limits<double>::infinity();
    for (double factor : factors) {
      const double lambda = factor * a;
      const std::string at = "a=" + std::to_string(a) + " lambda=" + std::to_string(lambda);
      const double ipr = th::critical_ipr(a, lambda);
      const double h = th::critical_entropy(a, lambda);
      ASSERT_TRUE(std::isfinite(ipr) && std::isfinite(h)) << at << " ipr=" << ipr << " H=" << h;
      EXPECT_GE(ipr, 0.0) << at;
      EXPECT_LE(ipr, 1.0) << at;
      EXPECT_GT(h, 0.0) << at;
      EXPECT_GE(ipr, previous_ipr) << at;  // >=: at a = 2047.5 the smallest lambdas underflow to 0
      EXPECT_LT(h, previous_h) << at;
      EXPECT_GE(ipr * (1.0 + 1e-12), std::exp(-h)) << at;
      previous_ipr = ipr;
      previous_h = h;
    }
  }
}
}  // namespace

TEST(TheoryCritical, GridSmallExponents) { check_critical_grid({0.5, 1.0, 2.5, 7.5}); }
TEST(TheoryCritical, GridLargeExponents) { check_critical_grid({63.5, 511.5, 2047.5}); }

TEST(TheoryCritical, LimitsInLambda) {
  EXPECT_LT(th::critical_ipr(1.0, 0.05), th::critical_ipr(1.0, 0.5));
  EXPECT_GT(th::critical_ipr(1.0, 50.0), 0.95);
  EXPECT_GT(th::critical_entropy(1.0, 0.05), th::critical_entropy(1.0, 0.5));
  // Large a, deep subcritical: ipr underflows to 0 and entropy is large but finite.
  EXPECT_EQ(th::critical_ipr(2047.5, 1.0), 0.0);
  EXPECT_GT(th::critical_entropy(63.5, 1.0), 100.0);
}

TEST(TheoryCritical, SamplerAgreesWithMecke) {
  th::CriticalSamplerOptions options;
  options.trials = 20000;
  options.seed = 12345;
  for (double a : {1.0, 2.5}) {
    const double lambda = 1.5 * a;
    const th::CriticalSample s = th::sample_critical(a, lambda, options);
    EXPECT_NEAR(s.ipr, th::critical_ipr(a, lambda), 4 * s.ipr_stderr) << "a=" << a;
    EXPECT_NEAR(s.entropy, th::critical_entropy(a, lambda), 4 * s.entropy_stderr) << "a=" << a;
    EXPECT_LT(s.truncation_bound, 1e-10);
    EXPECT_GE(s.w_max, s.ipr);  // sum W^2 <= max W
  }
  // Reproducible from the seed; ordered weights sum to at most 1.
  const auto w1 = th::sample_critical_weights(1.0, 1.0, 7, 3, 5);
  const auto w2 = th::sample_critical_weights(1.0, 1.0, 7, 3, 5);
  EXPECT_EQ(w1, w2);
  double total = 0;
  for (std::size_t i = 0; i < w1.size(); ++i) {
    total += w1[i];
    if (i) EXPECT_LE(w1[i], w1[i - 1]);
  }
  EXPECT_LE(total, 1.0 + 1e-15);
}

// Large a, lambda > a: the tail moments e^{V_1} Q(a, V_K) need Q far below the smallest double (at
// d = 4096, lambda = 3000, Q(a, 2 V_K) ~ e^{-1757}); when it rounded to 0 each trial stopped after one
// point with the tail dropped (ipr 0.257 +- 0.004 here, and exactly 1 at lambda = 100 a).
TEST(TheoryCritical, SamplerAgreesWithMeckeLargeExponent) {
  th::CriticalSamplerOptions options;
  options.seed = 777;
  for (double lambda : {3000.0, 204750.0}) {
    options.trials = lambda < 1e4 ? 1000 : 4000;  // lambda ~ a: every trial runs to max_points
    const double a = 2047.5;
    const th::CriticalSample s = th::sample_critical(a, lambda, options);
    EXPECT_NEAR(s.ipr, th::critical_ipr(a, lambda), 4 * s.ipr_stderr) << "lambda=" << lambda;
    EXPECT_NEAR(s.entropy, th::critical_entropy(a, lambda), 4 * s.entropy_stderr) << "lambda=" << lambda;
    EXPECT_GT(s.max_points_used, 1u) << "lambda=" << lambda;
    EXPECT_LT(s.w_max, 1.0) << "lambda=" << lambda;
  }
}

// The range lambda_star can reach, and a clear --target error beyond it (an entropy target of 1e6 at
// d = 3 needs lambda ~ e^{-1e6}: it used to fail with "critical_entropy: lambda must be > 0 (got 0)").
TEST(TheoryCritical, InverseLambdaStarRange) {
  // E[H] ~ (pi^2/6) / lambda at a = 1: the target 1e-6 lies near lambda = 1.645e6 (the broken
  // quadrature answered 1684).
  const th::LambdaStar small = th::critical_lambda_star(1.0, th::CriticalObservable::entropy, 1e-6);
  expect_rel(th::critical_entropy(1.0, small.lambda), 1e-6, 1e-9, "H(lambda*) = 1e-6");
  expect_rel(small.lambda, 1.6449e6, 1e-3, "lambda* ~ zeta(2)/1e-6");
  // Deep subcritical: E[H] ~ a (1 - log lambda) + log Gamma(a + 1).
  const th::LambdaStar large = th::critical_lambda_star(1.0, th::CriticalObservable::entropy, 500.0);
  expect_rel(th::critical_entropy(1.0, large.lambda), 500.0, 1e-9, "H(lambda*) = 500");
  const auto refused = [](double a, th::CriticalObservable observable, double target) {
    try {
      th::critical_lambda_star(a, observable, target);
    } catch (const attnlim::InputError& e) {
      return std::string(e.what());
    }
    return std::string("not refused");
  };
  const std::string too_high = refused(1.0, th::CriticalObservable::entropy, 1e6);
  EXPECT_EQ(too_high.rfind("target:", 0), 0u) << too_high;
  EXPECT_NE(too_high.find("out of reach"), std::string::npos) << too_high;
  EXPECT_EQ(refused(1.0, th::CriticalObservable::entropy, 1e-305).rfind("target:", 0), 0u);
  // ipr at a = 1/2 is ~8e-151 at lambda = 1e-300.
  EXPECT_EQ(refused(0.5, th::CriticalObservable::ipr, 1e-200).rfind("target:", 0), 0u);
}

// w_max, small target. The bracket used to start at lambda_ipr(target^2), where each trial needs
// ~1/target^2 points: 132 s at target 0.01 (a = 1), minutes at 0.001. Now it starts at lambda_ipr(target)
// (an upper bound: E[index_of(Observable::w_max)] >= E[index_of(Observable::ipr)]) and steps down with a pilot; this takes ~1.5 s (2 cores).
TEST(TheoryCritical, WmaxLambdaStarSmallTarget) {
  th::CriticalSamplerOptions options;
  options.trials = 4000;
  const th::LambdaStar star = th::critical_lambda_star(1.0, th::CriticalObservable::w_max, 0.01, options);
  ASSERT_GT(star.stderr_, 0.0);
  // Consistent: fresh draws at lambda* give w_max within 4 standard errors of the target (the sample's
  // own and that of lambda* carried through the slope).
  th::CriticalSamplerOptions fresh = options;
  fresh.seed = 4242;
  const th::CriticalSample at = th::sample_critical(1.0, star.lambda, fresh);
  const double se = std::hypot(at.w_max_stderr, at.dw_max_dlambda * star.stderr_);
  EXPECT_NEAR(at.w_max, 0.01, 4.0 * se) << "lambda* = " << star.lambda;
  // Targets that would need more than kWmaxMaxPointsPerTrial points per trial, or that lie closer to 1
  // than the trials resolve, are refused at once with one line naming --target.
  for (double target : {0.001, 0.9999}) {
    try {
      th::critical_lambda_star(1.0, th::CriticalObservable::w_max, target, options);
      ADD_FAILURE() << "target " << target << " not refused";
    } catch (const attnlim::InputError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("target:", 0), 0u) << e.what();
    }
  }
}

// Where no trial resolves 1 - w_max (lambda = 1e6 at a = 1: near-ties have probability ~1e-6), the
// sample variance is 0; the reported uncertainty must not be (it was "1 +- 0").
TEST(TheoryCritical, SamplerBoundsAnUnresolvedDeficit) {
  th::CriticalSamplerOptions options;
  options.trials = 200;
  const th::CriticalSample far = th::sample_critical(1.0, 1e6, options);
  EXPECT_EQ(far.w_max, 1.0);
  EXPECT_TRUE(far.w_max_stderr_is_bound);
  EXPECT_DOUBLE_EQ(far.w_max_stderr, 3.0 / 200.0);
  EXPECT_TRUE(far.ipr_stderr_is_bound);
  EXPECT_GT(far.ipr_stderr, 0.0);
  // The bound holds: E[1 - w_max] ~ log 2 / lambda at a = 1.
  EXPECT_LT(1.0 - th::critical_ipr(1.0, 1e6), far.w_max_stderr);
  const th::CriticalSample near = th::sample_critical(1.0, 1.0, options);
  EXPECT_FALSE(near.w_max_stderr_is_bound);
  EXPECT_GT(near.w_max_stderr, 0.0);
}

// The subcritical predictions apply only where n keys realise M(2 beta) (log_tilted_keys >= 0). Over a
// grid of d, beta and n: wherever they apply, every value is finite, n_eff >= 1 and ipr <= 1 (they were
// printed as ipr 1e6 at d = 3, beta = 1e12, n = 1e6; 1.77 at d = 2; inf at d = 100000, beta = 1e5).
TEST(TheorySubcritical, AppliesOnlyWhereKeysCarryTheTiltedLaw) {
  int applied = 0;
  for (int d : {2, 3, 5, 16, 128, 4096})  // (d = 100000 costs seconds per beta near d^2: Bessel at large order)
    for (int e = -8; e <= 48; ++e)
      for (double n : {1.0, 2.0, 1e3, 1e6, 1e12}) {
        const double beta = std::pow(10.0, 0.25 * e);
        if (th::log_tilted_keys(d, beta, n) < 0) continue;
        ++applied;
        const th::Subcritical sub = th::subcritical(d, beta, n);
        const std::string at = "d=" + std::to_string(d) + " beta=" + std::to_string(beta) + " n=" + std::to_string(n);
        EXPECT_TRUE(std::isfinite(sub.radial_variance) && std::isfinite(sub.tangential_variance)) << at;
        EXPECT_GE(sub.n_eff, 1.0) << at;
        EXPECT_LE(sub.ipr, 1.0) << at;
      }
  EXPECT_GT(applied, 300);
  EXPECT_LT(th::log_tilted_keys(3, 1e12, 1e6), 0.0);
  EXPECT_LT(th::log_tilted_keys(2, 1e12, 1e6), 0.0);
  EXPECT_LT(th::log_tilted_keys(100000, 1e5, 1e6), 0.0);
  EXPECT_LT(th::log_tilted_keys(3, 1.0, 1.0), 0.0);  // one key: ipr is 1, not M(2b)/M(b)^2
  // Local law at d = 3: tilted_keys = n P(E <= 1/(2 beta)) = n / (4 beta) = 1 / (2 lambda).
  expect_rel(std::exp(th::log_tilted_keys(3, 1e5, 1e6)), 2.5, 1e-9, "d=3 lambda=0.2");
}

TEST(TheoryCritical, InverseLambdaStar) {
  const th::LambdaStar ipr = th::critical_lambda_star(1.0, th::CriticalObservable::ipr, 0.5);
  expect_rel(th::critical_ipr(1.0, ipr.lambda), 0.5, 1e-10, "ipr(lambda*)");
  const th::LambdaStar h = th::critical_lambda_star(1.0, th::CriticalObservable::entropy, 2.0);
  expect_rel(th::critical_entropy(1.0, h.lambda), 2.0, 1e-10, "entropy(lambda*)");
  th::CriticalSamplerOptions options;
  options.trials = 4000;
  const th::LambdaStar w = th::critical_lambda_star(1.0, th::CriticalObservable::w_max, 0.5, options);
  EXPECT_GT(w.stderr_, 0.0);
  // Same draws and truncation tolerance: the root, up to the truncation (the solve fixes the points per
  // trial at its bracket's lower end, sample_critical chooses them per trial; at tolerance 1e-6 that
  // moves each trial's w_max by ~1e-6 of itself, the mean by ~1e-9).
  th::CriticalSamplerOptions same = options;
  same.tail_tolerance = th::kWmaxTailTolerance;
  EXPECT_NEAR(th::sample_critical(1.0, w.lambda, same).w_max, 0.5, 1e-8);
  th::CriticalSamplerOptions other = options;
  other.seed = 99;
  other.trials = 20000;
  EXPECT_NEAR(th::sample_critical(1.0, w.lambda, other).w_max, 0.5, 0.02);
  EXPECT_THROW(th::critical_lambda_star(1.0, th::CriticalObservable::ipr, 1.0), attnlim::InputError);
  EXPECT_THROW(th::critical_lambda_star(1.0, th::CriticalObservable::w_max, 0.0), attnlim::InputError);
}

// --- sections 4 and 5 ---------------------------------------------------------------------------
TEST(TheoryHeat, VmfAndHarmonics) {
  const std::vector<double> q{1, 0, 0}, mu{0, 1, 0};
  // kappa = 0: the uniform answer A_d(beta) q.
  const auto plain = th::vmf_output(3, 5.0, q, 0.0, mu);
  expect_rel(plain[0], th::A_d(3, 5.0), 1e-15, "kappa=0");
  EXPECT_EQ(plain[1], 0.0);
  // z = (3, 4, 0), |z| = 5.
  const auto tilted = th::vmf_output(3, 3.0, q, 4.0, mu);
  expect_rel(tilted[0], th::A_d(3, 5.0) * 0.6, 1e-15, "vmf x");
  expect_rel(tilted[1], th::A_d(3, 5.0) * 0.8, 1e-15, "vmf y");
  const auto drift = th::vmf_heat_drift(10.0, 2.0, q, mu);
  EXPECT_DOUBLE_EQ(drift[1], 0.2);
  EXPECT_DOUBLE_EQ(drift[0], 0.0);
  EXPECT_DOUBLE_EQ(th::harmonic_growth(2, 3, 10.0), 1.0 + 2.0 * 3.0 / 10.0);
  // Large beta: O = (1 - (d-1)/(2b)) q + drift + O(b^-2) for vMF.
  const double big = 1e4;
  const auto o = th::vmf_output(3, big, q, 2.0, mu);
  EXPECT_NEAR(o[1], 2.0 / big, 1e-7);
  EXPECT_NEAR(o[0], 1.0 - 1.0 / big, 1e-7);
}

TEST(TheoryLogN, SimplexAndGaussian) {
  // Exactly at gamma_c: (n-1) n^{-1} -> self weight 1/(1 + (n-1)/n).
  EXPECT_DOUBLE_EQ(th::simplex_gamma_c(0.5), 2.0);
  expect_rel(th::simplex_self_weight(1e6, 2.0, 0.5), 1.0 / (1.0 + (1e6 - 1) / 1e6), 1e-14, "at gamma_c");
  EXPECT_NEAR(th::simplex_self_weight(1e300, 4.0, 0.5), 1.0, 1e-200);
  EXPECT_LT(th::simplex_self_weight(1e300, 1.0, 0.5), 1e-100);
  expect_rel(th::gaussian_score_scale(128, std::exp(2.0)), std::sqrt(512.0), 1e-15, "sqrt(2 d log n)");
}

TEST(TheoryErrors, LibraryRejectsBadInput) {
  // Each error names the argument (the field a caller reports: --d on the command line, d= in Python).
  const auto field_of = [](auto&& call) {
    try {
      call();
    } catch (const attnlim::InputError& e) {
      EXPECT_NE(std::string(e.what()).find("(in "), std::string::npos) << e.what();  // and the function
      return e.field();
    }
    return std::string("not refused");
  };
  EXPECT_EQ(field_of([] { th::A_d(1, 1.0); }), "d");
  EXPECT_EQ(field_of([] { th::A_d(3, -1.0); }), "beta");
  EXPECT_EQ(field_of([] { th::critical_ipr(1.0, 0.0); }), "lambda");
  EXPECT_EQ(field_of([] { th::critical_ipr(-1.0, 1.0); }), "a");
  EXPECT_EQ(field_of([] { th::critical_beta(3, 10.0, -1.0); }), "lambda");
  EXPECT_EQ(field_of([] { th::distance_cdf(3, 2.5); }), "s");
  EXPECT_EQ(field_of([] { th::parse_observable("ipr2"); }), "observable");
  EXPECT_EQ(field_of([] { th::subsphere_law(1); }), "m");
}

// --- the CLI ------------------------------------------------------------------------------------
namespace {
int run_cli(const std::string& args) {
  const std::string command = std::string(ATTNLIM_CLI_PATH) + " " + args + " >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
std::string temp_json(const char* name) {
  return (std::filesystem::temp_directory_path() / (std::string("attnlim_theory_test_") + name + ".json")).string();
}
}  // namespace

TEST(TheoryCli, BadInputExitsTwoAndWritesNothing) {
  const char* bad[] = {"--d 1", "--d 3 --beta -1", "--d 3 --lambda 0", "--d 3 --lambda -2",
                       "--d 3 --target 1.5", "--d 3 --target 0 --observable w_max", "--d 3 --target -1 --observable entropy",
                       "--d 3 --target 0.5 --observable foo",
                       // strictly parsed like every other command: no empty value, wrap-around or stray text
                       "--d 3 --beta ''", "--d 3 --seed -1", "--d 3 --trials -1", "--d 3 --trials 1",
                       "--d 3.5", "--d 3 --n 1e6x", "--d 3 --lambda ''"};
  for (const char* args : bad) {
    const std::string path = temp_json("bad");
    std::filesystem::remove(path);
    EXPECT_EQ(run_cli(std::string("theory ") + args + " --json " + path), 2) << args;
    EXPECT_FALSE(std::filesystem::exists(path)) << args;
  }
  // An empty --json is refused, not ignored.
  EXPECT_EQ(run_cli("theory --d 3 --json ''"), 2);
}

TEST(TheoryCli, WritesJson) {
  const std::string path = temp_json("good");
  std::filesystem::remove(path);
  ASSERT_EQ(run_cli("theory --d 3 --beta 10 --n 1000 --lambda 1 --target 0.5 --trials 500 --json " + path), 0);
  std::ifstream in(path);
  const nlohmann::json json = nlohmann::json::parse(in);
  EXPECT_DOUBLE_EQ(json["c_d"].get<double>(), 0.5);
  expect_rel(json["A_d"].get<double>(), 0.90000000412230725337, 1e-12, "A_d");
  expect_rel(json["bias_limit"].get<double>(), 0.099999995877692746626, 1e-10, "bias");
  expect_rel(json["critical_beta"].get<double>(), 500.0, 1e-14, "critical_beta");
  expect_rel(json["critical_ipr"].get<double>(), 0.43854051643311483, 1e-10, "critical_ipr");
  expect_rel(json["critical_entropy"].get<double>(), 1.1271791987777646, 1e-10, "critical_entropy");
  EXPECT_TRUE(json.contains("critical_w_max") && json.contains("critical_w_max_stderr"));
  expect_rel(json["beta_star"].get<double>(), json["lambda_star"].get<double>() * 500.0, 1e-14, "beta_star");
  std::filesystem::remove(path);
}

namespace {
nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}
}  // namespace

// Where the subcritical formulas do not apply they are not printed: a row saying why, JSON null plus a
// reason; and no inf or nan anywhere.
TEST(TheoryCli, SubcriticalRowsOnlyWhereTheyApply) {
  for (const char* args : {"--d 3 --beta 1e12 --n 1e6", "--d 2 --beta 1e12 --n 1e6", "--d 100000 --beta 1e5 --n 1e6"}) {
    const std::string path = temp_json("sub");
    std::filesystem::remove(path);
    const CliRun r = run_cli_capture(std::string("theory ") + args + " --json " + path);
    ASSERT_EQ(r.status, 0) << args << "\n" << r.output;
    EXPECT_EQ(r.output.find("inf "), std::string::npos) << r.output;  // a value column: "{:>24}  note"
    EXPECT_EQ(r.output.find("nan "), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("subcritical_ipr"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("not applicable"), std::string::npos) << r.output;
    const nlohmann::json json = read_json(path);
    EXPECT_FALSE(json["subcritical_applies"].get<bool>()) << args;
    for (const char* key : {"radial_variance", "tangential_variance", "n_eff", "subcritical_ipr"})
      EXPECT_TRUE(json[key].is_null()) << args << " " << key;
    EXPECT_NE(json["subcritical_reason"].get<std::string>().find("tilted_keys"), std::string::npos);
    std::filesystem::remove(path);
  }
  // lambda = 0.2 at d = 3: they apply (n_eff = 1 / (lambda/2) = 10 to leading order).
  const std::string path = temp_json("sub_ok");
  ASSERT_EQ(run_cli("theory --d 3 --beta 1e5 --n 1e6 --json " + path), 0);
  const nlohmann::json json = read_json(path);
  EXPECT_TRUE(json["subcritical_applies"].get<bool>());
  expect_rel(json["subcritical_ipr"].get<double>(), 0.1, 1e-6, "ipr at lambda 0.2");
  std::filesystem::remove(path);
}

// critical_w_max at lambda = 1e6: no trial resolves a near-tie. It used to print "1 +- 0".
TEST(TheoryCli, WmaxUncertaintyIsNeverZero) {
  const std::string path = temp_json("wmax");
  const CliRun r = run_cli_capture("theory --d 3 --lambda 1e6 --trials 400 --json " + path);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("rule of three"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("+- 0 "), std::string::npos) << r.output;
  const nlohmann::json json = read_json(path);
  EXPECT_TRUE(json["critical_w_max_stderr_is_bound"].get<bool>());
  EXPECT_DOUBLE_EQ(json["critical_w_max_stderr"].get<double>(), 3.0 / 400.0);
  // E[H] at lambda = 1e6 (was 0.577, Euler's constant): (pi^2/6)/lambda to O(1/lambda^2).
  expect_rel(json["critical_entropy"].get<double>(), 1.644933315562988785e-6, 1e-12, "H at 1e6");
  std::filesystem::remove(path);
}

// Unreachable or too costly targets: one line naming --target, exit 2, nothing written.
TEST(TheoryCli, UnreachableTargetsExitTwo) {
  for (const char* args : {"--observable entropy --target 1e6", "--observable w_max --target 0.001",
                           "--observable w_max --target 0.9999", "--d 2 --observable ipr --target 1e-200"}) {
    const std::string path = temp_json("target");
    std::filesystem::remove(path);
    const std::string d = std::string(args).find("--d ") == std::string::npos ? "--d 3 " : "";
    const CliRun r = run_cli_capture("theory " + d + args + " --json " + path);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.output;
    EXPECT_EQ(r.output.rfind("attnlim: error: --target:", 0), 0u) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    EXPECT_FALSE(std::filesystem::exists(path)) << args;
  }
}
