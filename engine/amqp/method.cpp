#include "amqp/method.h"

#include <cassert>

#include "amqp/byte_io.h"
#include "amqp/field_codec.h"

namespace brokersim::amqp {
namespace {

ArgValue default_value(ArgType type) {
  switch (type) {
    case ArgType::kShortString:
    case ArgType::kLongString: return std::string();
    case ArgType::kTable: return broker::FieldTable();
    default: return std::uint64_t{0};
  }
}

}  // namespace

Method Method::make(std::uint32_t id, std::initializer_list<ArgValue> args) {
  Method m;
  m.spec = find_method_spec(id);
  assert(m.spec != nullptr);
  assert(args.size() == 0 || args.size() == m.spec->args.size());
  if (args.size() == 0) {
    for (const ArgSpec& a : m.spec->args) m.args.push_back(default_value(a.type));
  } else {
    m.args.assign(args.begin(), args.end());
  }
  return m;
}

bool Method::operator==(const Method& other) const {
  if (spec != other.spec || args.size() != other.args.size()) return false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i].index() != other.args[i].index()) return false;
    if (const auto* t = std::get_if<broker::FieldTable>(&args[i])) {
      if (!broker::tables_equal(*t, std::get<broker::FieldTable>(other.args[i]))) return false;
    } else if (args[i] != other.args[i]) {
      return false;
    }
  }
  return true;
}

MethodDecode decode_method(std::string_view payload) {
  MethodDecode result;
  ByteReader in(payload);
  result.class_id = in.u16();
  result.method_index = in.u16();
  if (in.failed()) return result;
  const MethodSpec* spec = find_method_spec(method_id(result.class_id, result.method_index));
  if (spec == nullptr) {
    result.unknown_method = true;
    return result;
  }
  Method& m = result.method;
  m.spec = spec;
  m.args.reserve(spec->args.size());
  std::uint8_t bits = 0;
  int bit_position = 8;  // 8: the next bit starts a new octet
  for (const ArgSpec& arg : spec->args) {
    if (arg.type != ArgType::kBit) bit_position = 8;
    switch (arg.type) {
      case ArgType::kOctet: m.args.emplace_back(std::uint64_t{in.u8()}); break;
      case ArgType::kShort: m.args.emplace_back(std::uint64_t{in.u16()}); break;
      case ArgType::kLong: m.args.emplace_back(std::uint64_t{in.u32()}); break;
      case ArgType::kLongLong:
      case ArgType::kTimestamp: m.args.emplace_back(in.u64()); break;
      case ArgType::kShortString: m.args.emplace_back(std::string(in.short_string())); break;
      case ArgType::kLongString: m.args.emplace_back(std::string(in.long_string())); break;
      case ArgType::kTable: m.args.emplace_back(read_table(in)); break;
      case ArgType::kBit:
        if (bit_position == 8) {
          bits = in.u8();
          bit_position = 0;
        }
        m.args.emplace_back(std::uint64_t{(bits >> bit_position++) & 1u});
        break;
    }
  }
  // Trailing bytes after the last argument are tolerated, as RabbitMQ's parser does.
  result.ok = !in.failed();
  return result;
}

void encode_method(std::string& out, const Method& method) {
  ByteWriter w(out);
  w.u16(method.class_id());
  w.u16(method.method_index());
  std::uint8_t bits = 0;
  int bit_position = -1;  // -1: no octet of bits open
  auto flush_bits = [&] {
    if (bit_position >= 0) w.u8(bits);
    bits = 0;
    bit_position = -1;
  };
  for (std::size_t i = 0; i < method.spec->args.size(); ++i) {
    const ArgSpec& arg = method.spec->args[i];
    const ArgValue& value = method.args[i];
    if (arg.type == ArgType::kBit) {
      if (bit_position == 8) flush_bits();
      if (bit_position < 0) bit_position = 0;
      if (std::get<std::uint64_t>(value) != 0) bits |= static_cast<std::uint8_t>(1u << bit_position);
      ++bit_position;
      continue;
    }
    flush_bits();
    switch (arg.type) {
      case ArgType::kOctet: w.u8(static_cast<std::uint8_t>(std::get<std::uint64_t>(value))); break;
      case ArgType::kShort: w.u16(static_cast<std::uint16_t>(std::get<std::uint64_t>(value))); break;
      case ArgType::kLong: w.u32(static_cast<std::uint32_t>(std::get<std::uint64_t>(value))); break;
      case ArgType::kLongLong:
      case ArgType::kTimestamp: w.u64(std::get<std::uint64_t>(value)); break;
      case ArgType::kShortString: w.short_string(std::get<std::string>(value)); break;
      case ArgType::kLongString: w.long_string(std::get<std::string>(value)); break;
      case ArgType::kTable: write_table(w, std::get<broker::FieldTable>(value)); break;
      case ArgType::kBit: break;
    }
  }
  flush_bits();
}

}  // namespace brokersim::amqp
