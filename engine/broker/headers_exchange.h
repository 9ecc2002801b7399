#pragma once
// Headers: a binding's arguments are matched against the message's headers.
//   x-match all (default): every argument must match; any: at least one.
//   all-with-x / any-with-x: arguments starting with "x-" take part too (x-match never does).
//   A void-typed argument matches when the header is present, whatever its value.
// So "all" with no plain arguments matches every message and "any" with none matches nothing.
//
// Each binding is compiled once, at bind time, into a rule, and each of a rule's terms is
// indexed by the header (name, value) it asks for. A message looks up only its own headers and
// counts, per rule, the terms they satisfy: an "all" rule matches when every term counted, an
// "any" rule when one did. No binding is scanned and no x-match is parsed per message.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/exchange.h"
#include "broker/string_hash.h"

namespace brokersim::broker {

enum class HeadersMatch : std::uint8_t { kAll, kAny, kAllWithX, kAnyWithX };

// One binding's arguments, read once: the mode and the arguments that take part in matching.
struct HeadersRule {
  struct Term {
    std::string name;
    FieldValue expected;  // void: the header only has to be present
  };
  HeadersMatch mode = HeadersMatch::kAll;
  std::vector<Term> terms;

  bool needs_all() const { return mode == HeadersMatch::kAll || mode == HeadersMatch::kAllWithX; }
};

HeadersRule compile_headers_rule(const FieldTable& arguments);
bool headers_rule_matches(const HeadersRule& rule, const FieldTable* headers);

// Header values compared as RabbitMQ compares them (Erlang's ==): numbers by value whatever
// their wire type, strings equal to the same raw bytes.
bool erlang_equal(const FieldValue& a, const FieldValue& b);

// Checks x-match as RabbitMQ does at bind time; returns a 406 for a bad value or type.
std::optional<Error> validate_headers_binding(const FieldTable& arguments);
// Matches one binding's arguments against one message's headers (null = no headers), with no
// index: the reference the indexed routing is tested against, and the explainer's check.
bool headers_match(const FieldTable& arguments, const FieldTable* headers);

class HeadersExchange final : public Exchange {
 public:
  HeadersExchange(std::string name, ExchangeSettings settings);
  ~HeadersExchange() override;
  std::optional<Error> validate_binding(const Binding& binding) const override;
  void route(const RoutingInput& input, std::vector<const Binding*>& matched) const override;

 protected:
  void on_bind(const Binding& binding) override;
  void on_unbind(const Binding& binding) override;

 private:
  struct Entry {
    const Binding* binding;
    HeadersRule rule;
    bool indexed = false;  // every term is in the index; otherwise the rule is always checked
    // Counting scratch for one route() call: terms satisfied, valid while `visit` is current.
    mutable std::uint64_t visit = 0;
    mutable std::uint32_t satisfied = 0;
  };
  // The rules that a header with one name can make match, by what that header holds.
  struct ByName {
    std::vector<const Entry*> present;  // a void term: any value will do
    std::unordered_map<std::uint64_t, std::vector<const Entry*>> numbers;  // by the double's bits
    StringMap<std::vector<const Entry*>> bytes;                             // strings and byte arrays
    bool empty() const { return present.empty() && numbers.empty() && bytes.empty(); }
  };
  // Where a term's rule is filed; null when the term's value cannot be indexed.
  std::vector<const Entry*>* slot_for(const HeadersRule::Term& term, bool create);
  // Fills touched_scratch_ with the indexed rules the headers satisfy a term of, and counts them.
  void count_satisfied_terms(const FieldTable& headers) const;

  std::unordered_map<const Binding*, std::unique_ptr<Entry>> entries_;
  StringMap<ByName> by_name_;
  // Rules the index cannot count (an "all" with no terms, values of other types): always checked.
  std::vector<const Entry*> always_checked_;
  mutable std::uint64_t visit_ = 0;
  mutable std::vector<const Entry*> touched_scratch_;
};

}  // namespace brokersim::broker
