#pragma once
// AMQP field values and tables, with every type RabbitMQ uses. Headers, queue and exchange
// arguments and x-death all use them; the wire codec encodes them.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace brokersim::broker {

struct FieldValue;
// A table keeps its insertion order (the wire order); lookups are linear, tables are small.
using FieldTable = std::vector<std::pair<std::string, FieldValue>>;
using FieldArray = std::vector<FieldValue>;

struct Decimal {
  std::uint8_t scale = 0;
  std::uint32_t value = 0;
  bool operator==(const Decimal&) const = default;
};

struct Void {
  bool operator==(const Void&) const = default;
};

struct Timestamp {
  std::uint64_t seconds = 0;
  bool operator==(const Timestamp&) const = default;
};

// Raw bytes ('x'), kept apart from long strings ('S') because RabbitMQ compares types too.
struct ByteArray {
  std::string bytes;
  bool operator==(const ByteArray&) const = default;
};

struct FieldValue {
  // The order of alternatives is part of the canonical form (used in fingerprints).
  using Variant = std::variant<Void, bool, std::int8_t, std::uint8_t, std::int16_t, std::uint16_t,
                               std::int32_t, std::uint32_t, std::int64_t, float, double, Decimal,
                               std::string, ByteArray, Timestamp, std::shared_ptr<FieldArray>,
                               std::shared_ptr<FieldTable>>;
  Variant value;

  FieldValue() = default;
  FieldValue(Void v) : value(v) {}
  FieldValue(bool v) : value(v) {}
  FieldValue(std::int32_t v) : value(v) {}
  FieldValue(std::int64_t v) : value(v) {}
  FieldValue(double v) : value(v) {}
  FieldValue(std::string v) : value(std::move(v)) {}
  FieldValue(const char* v) : value(std::string(v)) {}
  FieldValue(FieldArray v) : value(std::make_shared<FieldArray>(std::move(v))) {}
  FieldValue(FieldTable v) : value(std::make_shared<FieldTable>(std::move(v))) {}
  template <typename T>
  static FieldValue of(T v) {
    FieldValue f;
    f.value = std::move(v);
    return f;
  }

  bool is_void() const { return std::holds_alternative<Void>(value); }
  const std::string* as_string() const { return std::get_if<std::string>(&value); }
  const FieldArray* as_array() const;
  const FieldTable* as_table() const;
  // Any integer type, widened; nullopt for anything else.
  std::optional<std::int64_t> as_integer() const;
  std::optional<bool> as_bool() const;
  // RabbitMQ's name for the type, as in its error texts: longstr, signedint, bool, ...
  std::string_view type_name() const;
};

// Deep equality, type included: a 32-bit 5 is not a 64-bit 5, as in RabbitMQ.
bool operator==(const FieldValue& a, const FieldValue& b);
bool tables_equal(const FieldTable& a, const FieldTable& b);

const FieldValue* find_field(const FieldTable& table, std::string_view key);
// Sets or replaces a key, keeping the position of an existing one.
void set_field(FieldTable& table, std::string key, FieldValue value);
bool erase_field(FieldTable& table, std::string_view key);

// Compact, deterministic text for logs and traces: {"k": "v", "n": 5}.
std::string to_display(const FieldValue& value);
std::string to_display(const FieldTable& table);

}  // namespace brokersim::broker
