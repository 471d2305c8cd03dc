// The key-model registry's host side: parse a --keys SPEC into whichever AnyKeyModel alternative names
// it, and the hooks of the model held. Generic over the alternatives: nothing here changes when a model
// is added to AnyKeyModel (include/attnlim/keys/registry.hpp).
#include "attnlim/keys/registry.hpp"

#include <stdexcept>
#include <utility>

#include <fmt/core.h>

#include "attnlim/core/errors.hpp"

namespace attnlim {

namespace {

template <std::size_t... I>
bool parse_alternative(KeyParams& params, int d, AnyKeyModel& out, std::index_sequence<I...>) {
  return ((params.name() == std::variant_alternative_t<I, AnyKeyModel>::kName
               ? (out = std::variant_alternative_t<I, AnyKeyModel>::parse(params, d), true)
               : false) ||
          ...);
}

template <std::size_t... I>
std::vector<std::string> names(std::index_sequence<I...>) {
  return {std::variant_alternative_t<I, AnyKeyModel>::kName...};
}

constexpr auto kAlternatives = std::make_index_sequence<std::variant_size_v<AnyKeyModel>>{};

}  // namespace

std::vector<std::string> key_model_names() { return names(kAlternatives); }

AnyKeyModel parse_key_model(const std::string& spec, int d) {
  KeyParams params = KeyParams::parse(spec);
  AnyKeyModel model;
  if (!parse_alternative(params, d, model, kAlternatives)) {
    std::string known;
    for (const auto& name : key_model_names()) known += (known.empty() ? "" : ", ") + name;
    throw InputError("keys", fmt::format("unknown key model '{}' (known: {})", params.name(), known));
  }
  validate(model);
  return model;
}

std::string describe(const AnyKeyModel& model) {
  return std::visit([](const auto& m) { return m.describe(); }, model);
}

int dimension(const AnyKeyModel& model) {
  return std::visit([](const auto& m) { return m.d; }, model);
}

bool symmetric_about_query(const AnyKeyModel& model) {
  return std::visit([](const auto& m) { return m.symmetric_about_query(); }, model);
}

void validate(const AnyKeyModel& model) {
  std::visit([](const auto& m) { m.validate(); }, model);
}

bool supports_tier(const AnyKeyModel& model, SamplerTier tier, std::string* why) {
  const bool has_distance = std::visit([](const auto& m) { return std::decay_t<decltype(m)>::kHasDistanceSampler; }, model);
  if (tier == SamplerTier::projected && (!has_distance || !symmetric_about_query(model))) {
    if (why)
      *why = fmt::format("{} is not symmetric about the query, so its distance alone does not carry its law and "
                         "{} projected cannot draw it: use {} full (or auto)",
                         describe(model), field_ref("sampler"), field_ref("sampler"));
    return false;
  }
  return true;
}

theory::LocalLaw local_law(const AnyKeyModel& model) {
  return std::visit([](const auto& m) { return m.local_law(); }, model);
}

double distance_log_cdf(const AnyKeyModel& model, double s) {
  return std::visit([s](const auto& m) { return m.distance_log_cdf(s); }, model);
}

LimitOutput limit_output(const AnyKeyModel& model, double beta) {
  return std::visit([beta](const auto& m) { return m.limit_output(beta); }, model);
}

double first_order_drift(const AnyKeyModel& model) {
  if (symmetric_about_query(model)) return 0.0;
  const double log_rho = std::visit([](const auto& m) { return m.log_density_at_query(); }, model);
  if (!std::isfinite(log_rho)) return std::nan("");  // no finite positive density at q
  return std::visit([](const auto& m) { return m.log_density_gradient_e2(); }, model);
}

double log_mgf(const AnyKeyModel& model, double beta) {
  return std::visit([beta](const auto& m) { return m.log_mgf(beta); }, model);
}

namespace {

template <std::size_t I, class T, class... Ts>
BaseKeyModel extract(int tag, const ModelStorage<T, Ts...>& storage) {
  if (tag == static_cast<int>(I)) return BaseKeyModel(std::in_place_index<I>, storage.head);
  if constexpr (sizeof...(Ts) > 0) return extract<I + 1, Ts...>(tag, storage.tail);
  throw std::logic_error("mixture component with an unknown tag");
}

template <std::size_t I, class T, class... Ts>
void place(const BaseKeyModel& model, ModelStorage<T, Ts...>& storage) {
  if (model.index() == I) {
    storage.head = std::get<I>(model);
    return;
  }
  if constexpr (sizeof...(Ts) > 0) {
    storage.tail = ModelStorage<Ts...>();
    place<I + 1, Ts...>(model, storage.tail);
  }
}

template <class... Ts>
BaseKeyModel extract_all(int tag, const ModelStorage<Ts...>& storage) {
  return extract<0, Ts...>(tag, storage);
}
template <class... Ts>
void place_all(const BaseKeyModel& model, ModelStorage<Ts...>& storage) {
  place<0, Ts...>(model, storage);
}

}  // namespace

BaseKeyModel component_model(const MixtureKeys::Component& component) {
  return extract_all(component.tag, component.model);
}

MixtureKeys::Component make_component(const BaseKeyModel& model) {
  MixtureKeys::Component component;
  component.tag = static_cast<int>(model.index());
  place_all(model, component.model);
  return component;
}

}  // namespace attnlim
