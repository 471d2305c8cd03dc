// Every key model, listed once (DESIGN.md, the key-model seam). A model is a trivially copyable struct
// with __host__ __device__ samplers `key(KeyStream, tangential)` (FullKey) and, where kHasDistanceSampler,
// `distance(KeyStream)` (DistanceOnly, used when symmetric_about_query()), `kName` for --keys, and host
// hooks (parse, describe, validate, symmetric_about_query, local_law, distance_log_cdf, log_mgf,
// limit_output, log_density_at_query, log_density_gradient_e2, beta_distance) defined in host/model/<name>.cpp.
//
// Adding a model: its header (include it here) and its name in ATTNLIM_BASE_KEY_MODELS; its hooks file
// (host/model/); one CPU instantiation file (host/cpu/keys/) and one CUDA instantiation file (cuda/keys/);
// its tests. Mixtures take every base model as a component. The engines dispatch once per run with
// std::visit; a model without an instantiation fails at link time with its name.
#pragma once
#include <string>
#include <variant>
#include <vector>

#include "attnlim/keys/harmonic.hpp"
#include "attnlim/keys/mixture.hpp"
#include "attnlim/keys/model.hpp"
#include "attnlim/keys/power.hpp"
#include "attnlim/keys/subsphere.hpp"
#include "attnlim/keys/tiers.hpp"
#include "attnlim/keys/uniform.hpp"
#include "attnlim/keys/vmf.hpp"
#include "attnlim/theory/local_law.hpp"

// Every base key model, once: the registry below and the mixture's components follow from this list.
#define ATTNLIM_BASE_KEY_MODELS UniformKeys, VmfKeys, SubsphereKeys, PowerKeys, HarmonicKeys

namespace attnlim {

using BaseKeyModel = std::variant<ATTNLIM_BASE_KEY_MODELS>;
using MixtureKeys = MixtureOf<ATTNLIM_BASE_KEY_MODELS>;
using AnyKeyModel = std::variant<ATTNLIM_BASE_KEY_MODELS, MixtureKeys>;

// The mixture's host hooks, defined in host/model/mixture.cpp for this list of components.
template <> MixtureKeys MixtureKeys::parse(KeyParams& params, int d);
template <> std::string MixtureKeys::describe() const;
template <> void MixtureKeys::validate() const;
template <> bool MixtureKeys::symmetric_about_query() const;
template <> theory::LocalLaw MixtureKeys::local_law() const;
template <> double MixtureKeys::distance_log_cdf(double s) const;
template <> double MixtureKeys::log_mgf(double beta) const;
template <> LimitOutput MixtureKeys::limit_output(double beta) const;
template <> double MixtureKeys::log_density_at_query() const;
template <> double MixtureKeys::log_density_gradient_e2() const;

// ---- host: the hooks of whichever model is held (host/model/registry.cpp) ----

// Parses a --keys SPEC ("uniform", later "vmf:kappa=2,angle=1", ...) for keys on S^{d-1}. Throws InputError
// naming the field "keys": an unknown model (the message lists the known ones), bad or unused parameters.
AnyKeyModel parse_key_model(const std::string& spec, int d);
// The names `parse_key_model` knows, in registry order.
std::vector<std::string> key_model_names();

std::string describe(const AnyKeyModel& model);  // canonical SPEC, recorded in JSON and sweep fingerprints
int dimension(const AnyKeyModel& model);          // d of S^{d-1}
// The law is invariant under the rotations that fix q: E carries every scalar observable, and the
// distance-only tier may sample it (where the model has a distance sampler).
bool symmetric_about_query(const AnyKeyModel& model);
void validate(const AnyKeyModel& model);          // InputError naming "keys"
// Whether `tier` can sample this model; *why says why not (DistanceOnly needs symmetry about q).
bool supports_tier(const AnyKeyModel& model, SamplerTier tier, std::string* why);
theory::LocalLaw local_law(const AnyKeyModel& model);         // P(E <= s) ~ c s^{a'}
double distance_log_cdf(const AnyKeyModel& model, double s);  // log P(E <= s)
LimitOutput limit_output(const AnyKeyModel& model, double beta);
double log_mgf(const AnyKeyModel& model, double beta);  // log E e^{beta <q, K>}
// The backward heat equation's first-order drift <grad_S log rho(q), e_2> (THEORY.md section 7): 0 for models
// symmetric about q (by symmetry, whatever their density does at q); otherwise NaN where the density is not
// differentiable, finite and positive at q. Computed in log space (no underflow of a far, concentrated vMF).
double first_order_drift(const AnyKeyModel& model);

// A mixture component as the variant of its base model, and back (host).
BaseKeyModel component_model(const MixtureKeys::Component& component);
MixtureKeys::Component make_component(const BaseKeyModel& model);

}  // namespace attnlim
