#include "broker/exchange.h"

#include <algorithm>
#include <atomic>

#include "broker/direct_exchange.h"
#include "broker/fanout_exchange.h"
#include "broker/headers_exchange.h"
#include "broker/topic_exchange.h"

namespace brokersim::broker {

std::string_view exchange_type_name(ExchangeType type) {
  switch (type) {
    case ExchangeType::kDirect: return "direct";
    case ExchangeType::kFanout: return "fanout";
    case ExchangeType::kTopic: return "topic";
    case ExchangeType::kHeaders: return "headers";
  }
  return "direct";
}

std::optional<ExchangeType> parse_exchange_type(std::string_view name) {
  if (name == "direct") return ExchangeType::kDirect;
  if (name == "fanout") return ExchangeType::kFanout;
  if (name == "topic") return ExchangeType::kTopic;
  if (name == "headers") return ExchangeType::kHeaders;
  return std::nullopt;
}

std::uint64_t Exchange::next_stamp() {
  // Atomic because brokers on different threads (tests, the GUI's runs) share the sequence.
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

Exchange::Exchange(std::string name, ExchangeType type, ExchangeSettings settings)
    : name_(std::make_shared<const std::string>(std::move(name))),
      plain_origin_(make_origin(name_, {})),
      type_(type),
      settings_(std::move(settings)) {}

const std::string* Exchange::alternate_exchange() const {
  const FieldValue* value = find_field(settings_.arguments, "alternate-exchange");
  return value ? value->as_string() : nullptr;
}

namespace {

// Length-prefixed, so no choice of names can make two identities collide.
std::string identity(const std::string& destination, bool to_exchange, const std::string& key) {
  return (to_exchange ? "x" : "q") + std::to_string(destination.size()) + ":" + destination + key;
}

}  // namespace

Binding* Exchange::find_binding(const std::string& destination, bool to_exchange, const std::string& key,
                                const FieldTable& arguments) const {
  auto it = by_identity_.find(identity(destination, to_exchange, key));
  if (it == by_identity_.end()) return nullptr;
  for (Binding* b : it->second) {
    if (tables_equal(b->arguments, arguments)) return b;
  }
  return nullptr;
}

std::optional<Error> Exchange::validate_binding(const Binding&) const { return std::nullopt; }

void Exchange::add_binding(std::unique_ptr<Binding> binding) {
  on_bind(*binding);
  by_identity_[identity(binding->destination, binding->to_exchange, binding->key)].push_back(binding.get());
  bindings_.push_back(std::move(binding));
  stamp_ = next_stamp();
}

std::unique_ptr<Binding> Exchange::remove_binding(const Binding* binding) {
  auto it = std::find_if(bindings_.begin(), bindings_.end(), [&](const auto& b) { return b.get() == binding; });
  if (it == bindings_.end()) return nullptr;
  on_unbind(**it);
  const std::string id = identity(binding->destination, binding->to_exchange, binding->key);
  auto& same = by_identity_[id];
  same.erase(std::remove(same.begin(), same.end(), binding), same.end());
  if (same.empty()) by_identity_.erase(id);
  std::unique_ptr<Binding> owned = std::move(*it);
  bindings_.erase(it);
  stamp_ = next_stamp();
  return owned;
}

std::unique_ptr<Exchange> make_exchange(std::string name, ExchangeType type, ExchangeSettings settings) {
  switch (type) {
    case ExchangeType::kDirect: return std::make_unique<DirectExchange>(std::move(name), std::move(settings));
    case ExchangeType::kFanout: return std::make_unique<FanoutExchange>(std::move(name), std::move(settings));
    case ExchangeType::kTopic: return std::make_unique<TopicExchange>(std::move(name), std::move(settings));
    case ExchangeType::kHeaders: return std::make_unique<HeadersExchange>(std::move(name), std::move(settings));
  }
  return nullptr;
}

void sort_unique_by_id(std::vector<const Binding*>& bindings, std::size_t from) {
  auto first = bindings.begin() + static_cast<std::ptrdiff_t>(from);
  std::sort(first, bindings.end(), [](const Binding* a, const Binding* b) { return a->id < b->id; });
  bindings.erase(std::unique(first, bindings.end()), bindings.end());
}

}  // namespace brokersim::broker
