#include "amqp/field_codec.h"

#include <bit>
#include <memory>
#include <type_traits>

namespace brokersim::amqp {
namespace {

using broker::FieldValue;

void write_value(ByteWriter& out, const FieldValue& value);

void write_array(ByteWriter& out, const broker::FieldArray& array) {
  const std::size_t length_at = out.size();
  out.u32(0);
  for (const FieldValue& v : array) write_value(out, v);
  out.patch_u32(length_at, static_cast<std::uint32_t>(out.size() - length_at - 4));
}

void write_value(ByteWriter& out, const FieldValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, broker::Void>) {
          out.u8('V');
        } else if constexpr (std::is_same_v<T, bool>) {
          out.u8('t');
          out.u8(v ? 1 : 0);
        } else if constexpr (std::is_same_v<T, std::int8_t>) {
          out.u8('b');
          out.u8(static_cast<std::uint8_t>(v));
        } else if constexpr (std::is_same_v<T, std::uint8_t>) {
          out.u8('B');
          out.u8(v);
        } else if constexpr (std::is_same_v<T, std::int16_t>) {
          out.u8('s');
          out.u16(static_cast<std::uint16_t>(v));
        } else if constexpr (std::is_same_v<T, std::uint16_t>) {
          out.u8('u');
          out.u16(v);
        } else if constexpr (std::is_same_v<T, std::int32_t>) {
          out.u8('I');
          out.u32(static_cast<std::uint32_t>(v));
        } else if constexpr (std::is_same_v<T, std::uint32_t>) {
          out.u8('i');
          out.u32(v);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out.u8('l');
          out.u64(static_cast<std::uint64_t>(v));
        } else if constexpr (std::is_same_v<T, float>) {
          out.u8('f');
          out.u32(std::bit_cast<std::uint32_t>(v));
        } else if constexpr (std::is_same_v<T, double>) {
          out.u8('d');
          out.u64(std::bit_cast<std::uint64_t>(v));
        } else if constexpr (std::is_same_v<T, broker::Decimal>) {
          out.u8('D');
          out.u8(v.scale);
          out.u32(v.value);
        } else if constexpr (std::is_same_v<T, std::string>) {
          out.u8('S');
          out.long_string(v);
        } else if constexpr (std::is_same_v<T, broker::ByteArray>) {
          out.u8('x');
          out.long_string(v.bytes);
        } else if constexpr (std::is_same_v<T, broker::Timestamp>) {
          out.u8('T');
          out.u64(v.seconds);
        } else if constexpr (std::is_same_v<T, std::shared_ptr<broker::FieldArray>>) {
          out.u8('A');
          write_array(out, v ? *v : broker::FieldArray{});
        } else if constexpr (std::is_same_v<T, std::shared_ptr<broker::FieldTable>>) {
          out.u8('F');
          write_table(out, v ? *v : broker::FieldTable{});
        }
      },
      value.value);
}

FieldValue read_value(ByteReader& in, int depth);

broker::FieldArray read_array(ByteReader& in, int depth) {
  broker::FieldArray array;
  ByteReader body(in.bytes(in.u32()));
  if (in.failed()) return array;
  while (!body.at_end() && !body.failed()) array.push_back(read_value(body, depth));
  if (body.failed()) in.fail();
  return array;
}

FieldValue read_value(ByteReader& in, int depth) {
  if (depth > kMaxFieldNesting) {
    in.fail();
    return {};
  }
  switch (in.u8()) {
    case 'V': return FieldValue(broker::Void{});
    case 't': return FieldValue(in.u8() != 0);
    case 'b': return FieldValue::of(static_cast<std::int8_t>(in.u8()));
    case 'B': return FieldValue::of(in.u8());
    case 's': return FieldValue::of(static_cast<std::int16_t>(in.u16()));
    case 'u': return FieldValue::of(in.u16());
    case 'I': return FieldValue::of(static_cast<std::int32_t>(in.u32()));
    case 'i': return FieldValue::of(in.u32());
    case 'l': return FieldValue::of(static_cast<std::int64_t>(in.u64()));
    case 'f': return FieldValue::of(std::bit_cast<float>(in.u32()));
    case 'd': return FieldValue::of(std::bit_cast<double>(in.u64()));
    case 'D': {
      broker::Decimal d;
      d.scale = in.u8();
      d.value = in.u32();
      return FieldValue::of(d);
    }
    case 'S': return FieldValue(std::string(in.long_string()));
    case 'x': return FieldValue::of(broker::ByteArray{std::string(in.long_string())});
    case 'T': return FieldValue::of(broker::Timestamp{in.u64()});
    case 'F': return FieldValue(read_table(in, depth + 1));
    case 'A': return FieldValue(read_array(in, depth + 1));
    default: in.fail(); return {};
  }
}

}  // namespace

void write_table(ByteWriter& out, const broker::FieldTable& table) {
  const std::size_t length_at = out.size();
  out.u32(0);
  for (const auto& [key, value] : table) {
    out.short_string(key);
    write_value(out, value);
  }
  out.patch_u32(length_at, static_cast<std::uint32_t>(out.size() - length_at - 4));
}

broker::FieldTable read_table_entries(ByteReader& in, int depth) {
  broker::FieldTable table;
  while (!in.at_end() && !in.failed()) {
    std::string key(in.short_string());
    FieldValue value = read_value(in, depth);
    if (in.failed()) break;
    table.emplace_back(std::move(key), std::move(value));
  }
  return table;
}

broker::FieldTable read_table(ByteReader& in, int depth) {
  if (depth > kMaxFieldNesting) {
    in.fail();
    return {};
  }
  ByteReader body(in.bytes(in.u32()));
  if (in.failed()) return {};
  broker::FieldTable table = read_table_entries(body, depth);
  if (body.failed()) in.fail();
  return table;
}

}  // namespace brokersim::amqp
