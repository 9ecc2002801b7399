#pragma once
// A small JSON reader for definitions files: objects keep their key order, numbers are
// integers or doubles, and errors say where (byte offset, line, column).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace brokersim::scenario {

struct JsonValue;
using JsonObject = std::vector<std::pair<std::string, JsonValue>>;
using JsonArray = std::vector<JsonValue>;

struct JsonValue {
  std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, std::shared_ptr<JsonArray>,
               std::shared_ptr<JsonObject>>
      value = nullptr;

  const JsonObject* object() const;
  const JsonArray* array() const;
  const std::string* string() const { return std::get_if<std::string>(&value); }
  const JsonValue* get(std::string_view key) const;  // objects only
};

struct JsonResult {
  std::optional<JsonValue> value;
  std::string error;  // "line L, column C: what"
};

JsonResult parse_json(const std::string& text);

}  // namespace brokersim::scenario
