#include "scenario/json.h"

#include <charconv>
#include <cstdlib>

namespace brokersim::scenario {

const JsonObject* JsonValue::object() const {
  auto p = std::get_if<std::shared_ptr<JsonObject>>(&value);
  return p ? p->get() : nullptr;
}

const JsonArray* JsonValue::array() const {
  auto p = std::get_if<std::shared_ptr<JsonArray>>(&value);
  return p ? p->get() : nullptr;
}

const JsonValue* JsonValue::get(std::string_view key) const {
  if (const JsonObject* o = object()) {
    for (const auto& [k, v] : *o)
      if (k == key) return &v;
  }
  return nullptr;
}

namespace {

class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text) {}

  JsonResult parse() {
    JsonResult result;
    skip_space();
    auto value = parse_value(0);
    skip_space();
    if (value && pos_ != text_.size()) fail("unexpected text after the JSON value");
    if (!error_.empty()) {
      result.error = error_;
    } else {
      result.value = std::move(value);
    }
    return result;
  }

 private:
  std::optional<JsonValue> parse_value(int depth) {
    if (depth > 64) return fail("nested more than 64 levels deep");
    if (pos_ >= text_.size()) return fail("unexpected end of input");
    const char c = text_[pos_];
    if (c == '{') return parse_object(depth);
    if (c == '[') return parse_array(depth);
    if (c == '"') {
      auto s = parse_string();
      if (!s) return std::nullopt;
      return JsonValue{*s};
    }
    if (literal("true")) return JsonValue{true};
    if (literal("false")) return JsonValue{false};
    if (literal("null")) return JsonValue{nullptr};
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number();
    return fail(std::string("unexpected character '") + c + "'");
  }

  std::optional<JsonValue> parse_object(int depth) {
    ++pos_;
    auto object = std::make_shared<JsonObject>();
    skip_space();
    if (consume('}')) return JsonValue{object};
    while (true) {
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != '"') return fail("expected a quoted key");
      auto key = parse_string();
      if (!key) return std::nullopt;
      skip_space();
      if (!consume(':')) return fail("expected ':' after a key");
      skip_space();
      auto value = parse_value(depth + 1);
      if (!value) return std::nullopt;
      object->emplace_back(std::move(*key), std::move(*value));
      skip_space();
      if (consume('}')) return JsonValue{object};
      if (!consume(',')) return fail("expected ',' or '}' in an object");
    }
  }

  std::optional<JsonValue> parse_array(int depth) {
    ++pos_;
    auto array = std::make_shared<JsonArray>();
    skip_space();
    if (consume(']')) return JsonValue{array};
    while (true) {
      skip_space();
      auto value = parse_value(depth + 1);
      if (!value) return std::nullopt;
      array->push_back(std::move(*value));
      skip_space();
      if (consume(']')) return JsonValue{array};
      if (!consume(',')) return fail("expected ',' or ']' in an array");
    }
  }

  std::optional<std::string> parse_string() {
    ++pos_;  // opening quote
    std::string out;
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) break;
      const char e = text_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          if (pos_ + 4 > text_.size()) return fail_s("truncated \\u escape");
          unsigned code = 0;
          auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + pos_ + 4, code, 16);
          if (ec != std::errc() || end != text_.data() + pos_ + 4) return fail_s("bad \\u escape");
          pos_ += 4;
          // UTF-8 encode (surrogate pairs are kept as two code points; names rarely need them).
          if (code < 0x80) {
            out += static_cast<char>(code);
          } else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
          }
          break;
        }
        default: return fail_s(std::string("bad escape '\\") + e + "'");
      }
    }
    return fail_s("unterminated string");
  }

  std::optional<JsonValue> parse_number() {
    const std::size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    bool is_double = false;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c >= '0' && c <= '9') {
        ++pos_;
      } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || (c == '-' && pos_ > start)) {
        is_double = true;
        ++pos_;
      } else {
        break;
      }
    }
    const std::string number = text_.substr(start, pos_ - start);
    if (!is_double) {
      std::int64_t v = 0;
      auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
      if (ec == std::errc() && end == number.data() + number.size()) return JsonValue{v};
    }
    char* end = nullptr;
    const double d = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return fail("bad number '" + number + "'");
    return JsonValue{d};
  }

  bool literal(std::string_view word) {
    if (text_.compare(pos_, word.size(), word) != 0) return false;
    pos_ += word.size();
    return true;
  }
  bool consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' || text_[pos_] == '\t'))
      ++pos_;
  }
  std::nullopt_t fail(const std::string& what) {
    if (error_.empty()) {
      int line = 1, column = 1;
      for (std::size_t i = 0; i < pos_ && i < text_.size(); ++i) {
        if (text_[i] == '\n') {
          ++line;
          column = 1;
        } else {
          ++column;
        }
      }
      error_ = "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + what;
    }
    return std::nullopt;
  }
  std::optional<std::string> fail_s(const std::string& what) {
    fail(what);
    return std::nullopt;
  }

  const std::string& text_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace

JsonResult parse_json(const std::string& text) { return Parser(text).parse(); }

}  // namespace brokersim::scenario
