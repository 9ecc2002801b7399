#include "broker/headers_exchange.h"

#include <cmath>

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

}  // namespace

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
  const HeadersMatch mode = parse_match(arguments);
  const bool with_x = mode == HeadersMatch::kAllWithX || mode == HeadersMatch::kAnyWithX;
  const bool need_all = mode == HeadersMatch::kAll || mode == HeadersMatch::kAllWithX;
  bool all = true;
  bool any = false;
  for (const auto& [key, expected] : arguments) {
    if (key == "x-match") continue;
    if (!with_x && key.starts_with("x-")) continue;
    const FieldValue* actual = headers ? find_field(*headers, key) : nullptr;
    const bool ok = actual && (expected.is_void() || erlang_equal(expected, *actual));
    if (ok) {
      any = true;
      if (!need_all) return true;
    } else {
      all = false;
      if (need_all) return false;
    }
  }
  return need_all ? all : any;
}

std::optional<Error> HeadersExchange::validate_binding(const Binding& binding) const {
  return validate_headers_binding(binding.arguments);
}

void HeadersExchange::route(const RoutingInput& input, std::vector<const Binding*>& matched) const {
  for (const auto& b : bindings()) {
    if (headers_match(b->arguments, input.headers)) matched.push_back(b.get());
  }
}

}  // namespace brokersim::broker
