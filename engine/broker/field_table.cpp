#include "broker/field_table.h"

#include "trace/json_string.h"

#include <cstdio>

namespace brokersim::broker {

const FieldArray* FieldValue::as_array() const {
  auto p = std::get_if<std::shared_ptr<FieldArray>>(&value);
  return p ? p->get() : nullptr;
}

const FieldTable* FieldValue::as_table() const {
  auto p = std::get_if<std::shared_ptr<FieldTable>>(&value);
  return p ? p->get() : nullptr;
}

std::optional<std::int64_t> FieldValue::as_integer() const {
  return std::visit(
      [](const auto& v) -> std::optional<std::int64_t> {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
          return static_cast<std::int64_t>(v);
        } else {
          return std::nullopt;
        }
      },
      value);
}

std::optional<bool> FieldValue::as_bool() const {
  if (auto b = std::get_if<bool>(&value)) return *b;
  return std::nullopt;
}

std::string_view FieldValue::type_name() const {
  static constexpr std::string_view kNames[] = {
      "void",   "bool",  "byte",    "unsignedbyte", "short", "unsignedshort", "signedint", "unsignedint",
      "long",   "float", "double",  "decimal",      "longstr", "binary", "timestamp", "array", "table"};
  return kNames[value.index()];
}

bool operator==(const FieldValue& a, const FieldValue& b) {
  if (a.value.index() != b.value.index()) return false;
  if (auto x = a.as_array()) {
    const FieldArray* y = b.as_array();
    return *x == *y;
  }
  if (auto x = a.as_table()) return tables_equal(*x, *b.as_table());
  return a.value == b.value;
}

bool tables_equal(const FieldTable& a, const FieldTable& b) {
  // Order-insensitive: RabbitMQ sorts tables before comparing arguments.
  if (a.size() != b.size()) return false;
  for (const auto& [key, value] : a) {
    const FieldValue* other = find_field(b, key);
    if (!other || !(*other == value)) return false;
  }
  return true;
}

const FieldValue* find_field(const FieldTable& table, std::string_view key) {
  for (const auto& [k, v] : table) {
    if (k == key) return &v;
  }
  return nullptr;
}

void set_field(FieldTable& table, std::string key, FieldValue value) {
  for (auto& [k, v] : table) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  table.emplace_back(std::move(key), std::move(value));
}

bool erase_field(FieldTable& table, std::string_view key) {
  for (auto it = table.begin(); it != table.end(); ++it) {
    if (it->first == key) {
      table.erase(it);
      return true;
    }
  }
  return false;
}

namespace {

void append_quoted(std::string& out, std::string_view s) { trace::append_json_string(out, s); }

void append_display(std::string& out, const FieldValue& value);

void append_table(std::string& out, const FieldTable& table) {
  out += '{';
  bool first = true;
  for (const auto& [k, v] : table) {
    if (!first) out += ", ";
    first = false;
    append_quoted(out, k);
    out += ": ";
    append_display(out, v);
  }
  out += '}';
}

void append_display(std::string& out, const FieldValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Void>) {
          out += "null";
        } else if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
          char buf[40];
          std::snprintf(buf, sizeof buf, "%.17g", static_cast<double>(v));
          out += buf;
        } else if constexpr (std::is_integral_v<T>) {
          out += std::to_string(v);
        } else if constexpr (std::is_same_v<T, Decimal>) {
          out += std::to_string(v.value) + "e-" + std::to_string(v.scale);
        } else if constexpr (std::is_same_v<T, std::string>) {
          append_quoted(out, v);
        } else if constexpr (std::is_same_v<T, ByteArray>) {
          out += "bytes(" + std::to_string(v.bytes.size()) + ")";
        } else if constexpr (std::is_same_v<T, Timestamp>) {
          out += "timestamp(" + std::to_string(v.seconds) + ")";
        } else if constexpr (std::is_same_v<T, std::shared_ptr<FieldArray>>) {
          out += '[';
          for (std::size_t i = 0; i < v->size(); ++i) {
            if (i) out += ", ";
            append_display(out, (*v)[i]);
          }
          out += ']';
        } else {
          append_table(out, *v);
        }
      },
      value.value);
}

}  // namespace

std::string to_display(const FieldValue& value) {
  std::string out;
  append_display(out, value);
  return out;
}

std::string to_display(const FieldTable& table) {
  std::string out;
  append_table(out, table);
  return out;
}

}  // namespace brokersim::broker
