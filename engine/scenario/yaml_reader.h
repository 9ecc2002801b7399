#pragma once
// The YAML reading every scenario file shares: positions, typed values and errors collected as
// "file:line:col: what is wrong" instead of stopping at the first.
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/field_table.h"
#include "scenario/loader.h"
#include "scenario/units.h"

namespace brokersim::scenario {

// yaml-cpp's syntax errors, with what usually causes them.
inline std::string yaml_hint(const std::string& message) {
  if (message.find("end of map flow not found") != std::string::npos) {
    return message + ": a '{' without its closing '}', or a ',' or ':' missing between entries";
  }
  if (message.find("end of sequence flow not found") != std::string::npos) {
    return message + ": a '[' without its closing ']', or a ',' missing between items";
  }
  if (message.find("end of map not found") != std::string::npos || message.find("end of sequence not found") != std::string::npos) {
    return message + ": this line is indented differently from the entries around it";
  }
  return message;
}

inline Position position_of(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return {};
  return {mark.line + 1, mark.column + 1};
}

// Reads one document, collecting every error instead of stopping at the first.
class Reader {
 public:
  Reader(std::string file, const ScenarioLimits& limits, std::vector<Diagnostic>& errors)
      : file_(std::move(file)), limits_(limits), errors_(errors) {}

  void error(const YAML::Node& node, std::string message) { error(position_of(node), std::move(message)); }
  void error(Position at, std::string message) { errors_.push_back({file_, at, std::move(message)}); }

  // A mapping whose keys must all be in `allowed`. Returns false (with an error) otherwise.
  bool mapping(const YAML::Node& node, std::string_view what, std::initializer_list<std::string_view> allowed) {
    return mapping(node, what, std::span<const std::string_view>(allowed.begin(), allowed.size()));
  }

  bool mapping(const YAML::Node& node, std::string_view what, std::span<const std::string_view> allowed) {
    if (!node.IsMap()) {
      error(node, std::string(what) + " must be a mapping of keys to values");
      return false;
    }
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) {
        error(entry.first, std::string(what) + " has a key that is not a plain name");
        continue;
      }
      const std::string key = entry.first.Scalar();
      bool known = false;
      for (std::string_view a : allowed) known |= a == key;
      if (!known) {
        std::string list;
        for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        error(entry.first, "unknown key '" + key + "' in " + std::string(what) + " (expected one of: " + list + ")");
      }
    }
    return true;
  }

  bool sequence(const YAML::Node& node, std::string_view what) {
    if (node.IsSequence()) {
      if (node.size() > limits_.max_items) {
        error(node, std::string(what) + " has " + std::to_string(node.size()) + " entries; at most " +
                        std::to_string(limits_.max_items) + " are allowed");
        return false;
      }
      return true;
    }
    error(node, std::string(what) + " must be a list");
    return false;
  }

  std::optional<std::string> string(const YAML::Node& node, std::string_view what) {
    if (!node.IsScalar()) {
      error(node, std::string(what) + " must be a text value");
      return std::nullopt;
    }
    return node.Scalar();
  }

  std::optional<bool> boolean(const YAML::Node& node, std::string_view what) {
    if (node.IsScalar() && node.Tag() != "!") {
      if (node.Scalar() == "true") return true;
      if (node.Scalar() == "false") return false;
    }
    error(node, std::string(what) + " must be true or false");
    return std::nullopt;
  }

  std::optional<std::int64_t> integer(const YAML::Node& node, std::string_view what, std::int64_t min,
                                      std::int64_t max) {
    if (node.IsScalar() && node.Tag() != "!") {
      const std::string& text = node.Scalar();
      std::int64_t value = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec == std::errc() && end == text.data() + text.size()) {
        if (value < min || value > max) {
          error(node, std::string(what) + " must be between " + std::to_string(min) + " and " + std::to_string(max) +
                          ", not " + text);
          return std::nullopt;
        }
        return value;
      }
      if (ec == std::errc::result_out_of_range) {
        error(node, std::string(what) + " is too large: " + text);
        return std::nullopt;
      }
    }
    error(node, std::string(what) + " must be a whole number");
    return std::nullopt;
  }

  std::optional<double> probability(const YAML::Node& node, std::string_view what) {
    if (node.IsScalar()) {
      try {
        std::size_t used = 0;
        const double v = std::stod(node.Scalar(), &used);
        if (used == node.Scalar().size() && v >= 0 && v <= 1) return v;
      } catch (const std::exception&) {
      }
    }
    error(node, std::string(what) + " must be a probability between 0 and 1");
    return std::nullopt;
  }

  std::optional<double> positive_number(const YAML::Node& node, std::string_view what) {
    if (node.IsScalar()) {
      try {
        std::size_t used = 0;
        const double v = std::stod(node.Scalar(), &used);
        if (used == node.Scalar().size() && v > 0) return v;
      } catch (const std::exception&) {
      }
    }
    error(node, std::string(what) + " must be a number above 0");
    return std::nullopt;
  }

  std::optional<sim::TimeUs> duration(const YAML::Node& node, std::string_view what) {
    if (node.IsScalar()) {
      if (auto d = parse_duration(node.Scalar())) return d;
    }
    error(node, std::string(what) + " must be a duration such as 150ms, 30s or 2m");
    return std::nullopt;
  }

  std::optional<double> rate(const YAML::Node& node, std::string_view what) {
    if (node.IsScalar()) {
      if (auto r = parse_rate(node.Scalar())) return r;
    }
    error(node, std::string(what) + " must be a rate such as 5/s or 300/m");
    return std::nullopt;
  }

  // YAML -> AMQP field value: plain true/false are booleans, plain whole numbers are 32-bit
  // integers when they fit (as client libraries send them) and 64-bit otherwise, quoted text
  // and anything else is a string, lists are arrays, mappings tables, and ~ is void.
  broker::FieldValue field_value(const YAML::Node& node, int depth = 0) {
    if (depth > 16) {
      error(node, "arguments and headers may nest at most 16 levels");
      return broker::FieldValue();
    }
    if (node.IsNull()) return broker::FieldValue(broker::Void{});
    if (node.IsScalar()) {
      const std::string& text = node.Scalar();
      if (node.Tag() != "!") {
        if (text == "true") return broker::FieldValue(true);
        if (text == "false") return broker::FieldValue(false);
        std::int64_t value = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) {
          if (value >= INT32_MIN && value <= INT32_MAX) return broker::FieldValue(static_cast<std::int32_t>(value));
          return broker::FieldValue(value);
        }
      }
      return broker::FieldValue(text);
    }
    if (node.IsSequence()) {
      broker::FieldArray array;
      for (const auto& item : node) array.push_back(field_value(item, depth + 1));
      return broker::FieldValue(std::move(array));
    }
    if (node.IsMap()) return broker::FieldValue(field_table(node, depth + 1));
    return broker::FieldValue();
  }

  broker::FieldTable field_table(const YAML::Node& node, int depth = 0) {
    broker::FieldTable table;
    if (!node.IsMap()) {
      error(node, "arguments and headers must be a mapping");
      return table;
    }
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) {
        error(entry.first, "argument names must be plain text");
        continue;
      }
      table.emplace_back(entry.first.Scalar(), field_value(entry.second, depth));
    }
    return table;
  }

  const ScenarioLimits& limits() const { return limits_; }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  const ScenarioLimits& limits_;
  std::vector<Diagnostic>& errors_;
};

// Every optional key read goes through this: present -> parse, absent -> leave the default.
template <typename F>
inline void with(const YAML::Node& map, const char* key, F&& f) {
  if (!map.IsMap()) return;
  const YAML::Node value = map[key];
  if (value.IsDefined()) f(value);
}

}  // namespace brokersim::scenario
