#include "broker/headers_exchange.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace brokersim::broker {
namespace {

HeadersMatch parse_match(const FieldTable& arguments) {
  const FieldValue* x_match = find_field(arguments, "x-match");
  const std::string* value = x_match ? x_match->as_string() : nullptr;
  if (!value) return HeadersMatch::kAll;
  if (*value == "any") return HeadersMatch::kAny;
  if (*value == "all-with-x") return HeadersMatch::kAllWithX;
  if (*value == "any-with-x") return HeadersMatch::kAnyWithX;
  return HeadersMatch::kAll;
}

std::optional<double> as_number(const FieldValue& v) {
  if (auto i = v.as_integer()) return static_cast<double>(*i);
  if (auto f = std::get_if<float>(&v.value)) return *f;
  if (auto d = std::get_if<double>(&v.value)) return *d;
  if (auto t = std::get_if<Timestamp>(&v.value)) return static_cast<double>(t->seconds);
  return std::nullopt;
}

const std::string* as_bytes(const FieldValue& v) {
  if (auto s = v.as_string()) return s;
  if (auto b = std::get_if<ByteArray>(&v.value)) return &b->bytes;
  return nullptr;
}

}  // namespace

// RabbitMQ compares header values with Erlang's ==, which ignores the wire type within a
// class: a 32-bit 5 equals a 64-bit 5 (and 5.0), and a long string equals the same raw bytes.
bool erlang_equal(const FieldValue& a, const FieldValue& b) {
  auto na = as_number(a), nb = as_number(b);
  if (na || nb) return na && nb && *na == *nb;
  auto sa = as_bytes(a), sb = as_bytes(b);
  if (sa || sb) return sa && sb && *sa == *sb;
  if (auto xa = a.as_array(), xb = b.as_array(); xa || xb) {
    if (!xa || !xb || xa->size() != xb->size()) return false;
    for (std::size_t i = 0; i < xa->size(); ++i) {
      if (!erlang_equal((*xa)[i], (*xb)[i])) return false;
    }
    return true;
  }
  return a == b;
}

// Numbers equal under erlang_equal have the same key: equal doubles have equal bits, once
// -0.0 is folded into 0.0. NaN equals nothing, so it gets no key.
std::optional<std::uint64_t> number_key(const FieldValue& v) {
  const std::optional<double> n = as_number(v);
  if (!n || std::isnan(*n)) return std::nullopt;
  const double folded = *n == 0.0 ? 0.0 : *n;
  std::uint64_t bits = 0;
  std::memcpy(&bits, &folded, sizeof bits);
  return bits;
}

HeadersRule compile_headers_rule(const FieldTable& arguments) {
  HeadersRule rule;
  rule.mode = parse_match(arguments);
  const bool with_x = rule.mode == HeadersMatch::kAllWithX || rule.mode == HeadersMatch::kAnyWithX;
  for (const auto& [name, expected] : arguments) {
    if (name == "x-match") continue;
    if (!with_x && name.starts_with("x-")) continue;
    rule.terms.push_back({name, expected});
  }
  return rule;
}

bool headers_rule_matches(const HeadersRule& rule, const FieldTable* headers) {
  const bool need_all = rule.needs_all();
  for (const HeadersRule::Term& term : rule.terms) {
    const FieldValue* actual = headers ? find_field(*headers, term.name) : nullptr;
    const bool ok = actual && (term.expected.is_void() || erlang_equal(term.expected, *actual));
    if (ok != need_all) return ok;  // "any" is decided by a hit, "all" by a miss
  }
  return need_all;
}

std::optional<Error> validate_headers_binding(const FieldTable& arguments) {
  const FieldValue* x_match = find_field(arguments, "x-match");
  if (!x_match) return std::nullopt;
  const std::string* value = x_match->as_string();
  if (!value) {
    return make_error(ReplyCode::kPreconditionFailed, "Invalid x-match field type " + std::string(x_match->type_name()) +
                                                          " (value " + to_display(*x_match) + "); expected longstr");
  }
  if (*value == "all" || *value == "any" || *value == "all-with-x" || *value == "any-with-x") return std::nullopt;
  return make_error(ReplyCode::kPreconditionFailed,
                    "Invalid x-match field value <<\"" + *value + "\">>; expected all, any, all-with-x, or any-with-x");
}

bool headers_match(const FieldTable& arguments, const FieldTable* headers) {
  return headers_rule_matches(compile_headers_rule(arguments), headers);
}

HeadersExchange::HeadersExchange(std::string name, ExchangeSettings settings)
    : Exchange(std::move(name), ExchangeType::kHeaders, std::move(settings)) {}

HeadersExchange::~HeadersExchange() = default;

std::optional<Error> HeadersExchange::validate_binding(const Binding& binding) const {
  return validate_headers_binding(binding.arguments);
}

std::vector<const HeadersExchange::Entry*>* HeadersExchange::slot_for(const HeadersRule::Term& term, bool create) {
  auto it = by_name_.find(term.name);
  if (it == by_name_.end()) {
    if (!create) return nullptr;
    it = by_name_.emplace(term.name, ByName{}).first;
  }
  ByName& by_name = it->second;
  if (term.expected.is_void()) return &by_name.present;
  if (const std::optional<std::uint64_t> key = number_key(term.expected)) {
    if (!create && !by_name.numbers.contains(*key)) return nullptr;
    return &by_name.numbers[*key];
  }
  if (as_number(term.expected)) return nullptr;  // NaN
  if (const std::string* bytes = as_bytes(term.expected)) {
    auto found = by_name.bytes.find(*bytes);
    if (found == by_name.bytes.end()) {
      if (!create) return nullptr;
      found = by_name.bytes.emplace(*bytes, std::vector<const Entry*>{}).first;
    }
    return &found->second;
  }
  return nullptr;
}

namespace {

bool indexable(const FieldValue& v) {
  if (v.is_void() || as_bytes(v)) return true;
  return as_number(v) && !std::isnan(*as_number(v));
}

// A rule is counted through the index when every term's value can be looked up; an "any" rule
// with no terms matches nothing and needs neither.
bool can_index(const HeadersRule& rule) {
  if (rule.terms.empty()) return false;
  return std::all_of(rule.terms.begin(), rule.terms.end(), [](const auto& t) { return indexable(t.expected); });
}

}  // namespace

void HeadersExchange::on_bind(const Binding& binding) {
  auto entry = std::make_unique<Entry>(Entry{.binding = &binding, .rule = compile_headers_rule(binding.arguments)});
  entry->indexed = can_index(entry->rule);
  if (entry->indexed) {
    for (const HeadersRule::Term& t : entry->rule.terms) slot_for(t, /*create=*/true)->push_back(entry.get());
  } else if (entry->rule.needs_all() || !entry->rule.terms.empty()) {
    always_checked_.push_back(entry.get());
  }
  entries_.emplace(&binding, std::move(entry));
}

void HeadersExchange::on_unbind(const Binding& binding) {
  auto it = entries_.find(&binding);
  if (it == entries_.end()) return;
  const Entry* e = it->second.get();
  auto drop = [e](std::vector<const Entry*>& list) { list.erase(std::remove(list.begin(), list.end(), e), list.end()); };
  drop(always_checked_);
  for (const HeadersRule::Term& t : e->rule.terms) {
    auto* slot = e->indexed ? slot_for(t, /*create=*/false) : nullptr;
    if (!slot) continue;  // a repeated term, already dropped
    drop(*slot);
    // Forget empty value lists and names, so a churn of bindings leaves nothing behind.
    auto name = by_name_.find(t.name);
    ByName& by_name = name->second;
    if (slot->empty() && !t.expected.is_void()) {
      if (auto key = number_key(t.expected)) {
        by_name.numbers.erase(*key);
      } else {
        by_name.bytes.erase(*as_bytes(t.expected));
      }
    }
    if (by_name.empty()) by_name_.erase(name);
  }
  entries_.erase(it);
}

void HeadersExchange::route(const RoutingInput& input, std::vector<const Binding*>& matched) const {
  const std::size_t from = matched.size();
  for (const Entry* e : always_checked_) {
    if (headers_rule_matches(e->rule, input.headers)) matched.push_back(e->binding);
  }
  if (input.headers) count_satisfied_terms(*input.headers);
  for (const Entry* e : touched_scratch_) {
    const bool all = e->satisfied == e->rule.terms.size();
    if (e->rule.needs_all() ? all : e->satisfied > 0) matched.push_back(e->binding);
  }
  touched_scratch_.clear();
  // Bindings are reported in creation order.
  sort_unique_by_id(matched, from);
}

// Counts, for every indexed rule, the terms the message's headers satisfy. As headers_match
// reads a header by its first occurrence, a repeated header name counts once.
void HeadersExchange::count_satisfied_terms(const FieldTable& headers) const {
  const std::uint64_t visit = ++visit_;
  auto count = [&](const std::vector<const Entry*>& entries) {
    for (const Entry* e : entries) {
      if (e->visit != visit) {
        e->visit = visit;
        e->satisfied = 0;
        touched_scratch_.push_back(e);
      }
      ++e->satisfied;
    }
  };
  for (auto header = headers.begin(); header != headers.end(); ++header) {
    auto it = by_name_.find(header->first);
    if (it == by_name_.end()) continue;
    const auto same_name = [&](const auto& earlier) { return earlier.first == header->first; };
    if (std::any_of(headers.begin(), header, same_name)) continue;
    const ByName& by_name = it->second;
    count(by_name.present);
    if (const std::optional<std::uint64_t> key = number_key(header->second)) {
      if (auto n = by_name.numbers.find(*key); n != by_name.numbers.end()) count(n->second);
    } else if (const std::string* bytes = as_bytes(header->second)) {
      if (auto b = by_name.bytes.find(*bytes); b != by_name.bytes.end()) count(b->second);
    }
  }
}

}  // namespace brokersim::broker
