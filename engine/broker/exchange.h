#pragma once
// The exchange base: owns its bindings and the shared bookkeeping. Each type (one file each)
// supplies only the small callback set RabbitMQ's exchange types have: validate a binding,
// bind, unbind, route. The walk through the exchange graph lives once, in router.h.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/binding.h"
#include "broker/field_table.h"
#include "broker/message.h"
#include "broker/reply_code.h"
#include "broker/string_hash.h"
#include "trace/event.h"

namespace brokersim::broker {

// One enum for the broker and its trace, so a declaration's event carries the type as data.
using ExchangeType = trace::ExchangeType;

std::string_view exchange_type_name(ExchangeType type);
std::optional<ExchangeType> parse_exchange_type(std::string_view name);

// What an exchange type routes on.
struct RoutingInput {
  std::span<const std::string_view> routing_keys;  // the key, then CC and BCC entries
  const FieldTable* headers = nullptr;             // null when the message has none
};

struct ExchangeSettings {
  bool durable = false;
  bool auto_delete = false;
  bool internal = false;
  FieldTable arguments;
};

class Exchange {
 public:
  Exchange(std::string name, ExchangeType type, ExchangeSettings settings);
  virtual ~Exchange() = default;
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  const std::string& name() const { return *name_; }
  const std::shared_ptr<const std::string>& name_ref() const { return name_; }
  // The origin of every message published here without properties, shared by all of them.
  const SharedOrigin& plain_origin() const { return plain_origin_; }
  ExchangeType type() const { return type_; }
  const ExchangeSettings& settings() const { return settings_; }
  bool durable() const { return settings_.durable; }
  bool auto_delete() const { return settings_.auto_delete; }
  bool internal() const { return settings_.internal; }
  // The alternate-exchange argument, if any.
  const std::string* alternate_exchange() const;

  // Different for any two exchanges ever made, and new whenever the bindings change: with
  // the bindings a publish matched, it identifies how the publish is explained (see Router).
  std::uint64_t stamp() const { return stamp_; }

  // Bindings whose source is this exchange, in creation order.
  const std::vector<std::unique_ptr<Binding>>& bindings() const { return bindings_; }
  Binding* find_binding(const std::string& destination, bool to_exchange, const std::string& key,
                        const FieldTable& arguments) const;

  // Refuses a binding this type cannot use (headers: a bad x-match) with 406.
  virtual std::optional<Error> validate_binding(const Binding& binding) const;
  void add_binding(std::unique_ptr<Binding> binding);
  std::unique_ptr<Binding> remove_binding(const Binding* binding);

  // Appends the bindings that match, each once, in creation order.
  virtual void route(const RoutingInput& input, std::vector<const Binding*>& matched) const = 0;

  // Messages published straight to this exchange, how many of them reached no queue, and how
  // many of those went back to their publisher (mandatory, 312 NO_ROUTE).
  std::uint64_t published_count = 0;
  std::uint64_t unroutable_count = 0;
  std::uint64_t returned_count = 0;

 protected:
  virtual void on_bind(const Binding& binding) = 0;
  virtual void on_unbind(const Binding& binding) = 0;

 private:
  static std::uint64_t next_stamp();

  std::shared_ptr<const std::string> name_;
  SharedOrigin plain_origin_;
  std::uint64_t stamp_ = next_stamp();
  ExchangeType type_;
  ExchangeSettings settings_;
  std::vector<std::unique_ptr<Binding>> bindings_;
  // (destination, kind, key) -> bindings, so checking for a duplicate bind is not a scan.
  StringMap<std::vector<Binding*>> by_identity_;
};

std::unique_ptr<Exchange> make_exchange(std::string name, ExchangeType type, ExchangeSettings settings);

// Sorts by binding id and removes repeats: types that can match one binding several ways
// (several routing keys, or '#' in topics) finish with this.
void sort_unique_by_id(std::vector<const Binding*>& bindings, std::size_t from);

}  // namespace brokersim::broker
