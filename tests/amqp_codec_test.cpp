// The wire codec round-trips every AMQP 0-9-1 method, every field type and all 14 basic
// properties, and rejects malformed input with an error instead of reading past its end.
#include <doctest/doctest.h>

#include "amqp/byte_io.h"
#include "amqp/content_header.h"
#include "amqp/field_codec.h"
#include "amqp/frame.h"
#include "amqp/method.h"

using namespace brokersim;
using namespace brokersim::amqp;
using broker::FieldTable;
using broker::FieldValue;

namespace {

FieldTable every_field_type() {
  FieldTable nested{{"inner", FieldValue("deep")}, {"n", FieldValue(std::int32_t{-7})}};
  return {
      {"void", FieldValue(broker::Void{})},
      {"bool", FieldValue(true)},
      {"int8", FieldValue::of(std::int8_t{-5})},
      {"uint8", FieldValue::of(std::uint8_t{250})},
      {"int16", FieldValue::of(std::int16_t{-30000})},
      {"uint16", FieldValue::of(std::uint16_t{60000})},
      {"int32", FieldValue(std::int32_t{-2000000000})},
      {"uint32", FieldValue::of(std::uint32_t{4000000000u})},
      {"int64", FieldValue(std::int64_t{-9000000000000000000})},
      {"float", FieldValue::of(1.5f)},
      {"double", FieldValue(-2.25)},
      {"decimal", FieldValue::of(broker::Decimal{2, 12345})},
      {"longstr", FieldValue(std::string("with\0nul", 8))},
      {"bytes", FieldValue::of(broker::ByteArray{"\x01\x02\xff"})},
      {"timestamp", FieldValue::of(broker::Timestamp{1700000000})},
      {"table", FieldValue(nested)},
      {"array", FieldValue(broker::FieldArray{FieldValue("a"), FieldValue(std::int64_t{1}), FieldValue(nested),
                                              FieldValue(broker::FieldArray{FieldValue(false)})})},
  };
}

// A method with a distinct, non-default value in every argument.
Method sample(const MethodSpec& spec) {
  Method m;
  m.spec = &spec;
  std::uint64_t n = 1;
  for (const ArgSpec& arg : spec.args) {
    switch (arg.type) {
      case ArgType::kOctet: m.args.emplace_back(std::uint64_t{0xA0 + n}); break;
      case ArgType::kShort: m.args.emplace_back(std::uint64_t{0x1200 + n}); break;
      case ArgType::kLong: m.args.emplace_back(std::uint64_t{0x12345600 + n}); break;
      case ArgType::kLongLong:
      case ArgType::kTimestamp: m.args.emplace_back(std::uint64_t{0x0123456789ABCD00ull + n}); break;
      case ArgType::kShortString: m.args.emplace_back(std::string(arg.name) + "-" + std::to_string(n)); break;
      case ArgType::kLongString: m.args.emplace_back(std::string("long\0value-", 11) + std::to_string(n)); break;
      case ArgType::kBit: m.args.emplace_back(std::uint64_t{n % 2}); break;
      case ArgType::kTable: m.args.emplace_back(every_field_type()); break;
    }
    ++n;
  }
  return m;
}

}  // namespace

TEST_CASE("every AMQP 0-9-1 method survives an encode and decode round trip") {
  int count = 0;
  for (const MethodSpec& spec : all_method_specs()) {
    CAPTURE(spec.name);
    for (bool invert_bits : {false, true}) {
      Method m = sample(spec);
      if (invert_bits) {
        for (std::size_t i = 0; i < spec.args.size(); ++i)
          if (spec.args[i].type == ArgType::kBit) m.args[i] = 1 - std::get<std::uint64_t>(m.args[i]);
      }
      std::string bytes;
      encode_method(bytes, m);
      MethodDecode decoded = decode_method(bytes);
      REQUIRE(decoded.ok);
      CHECK(decoded.method == m);
    }
    ++count;
  }
  // 0-9-1's methods plus RabbitMQ's extensions (nack, confirm, exchange.bind, blocked, ...).
  CHECK(count == 66);
}

TEST_CASE("methods are found by class and method id, and unknown ones are reported") {
  CHECK(find_method_spec(kBasicPublish)->name == "basic.publish");
  CHECK(find_method_spec(kBasicPublish)->has_content);
  CHECK(find_method_spec(method_id(60, 99)) == nullptr);
  std::string bytes{"\x00\x3c\x00\x63", 4};  // basic.99
  MethodDecode decoded = decode_method(bytes);
  CHECK_FALSE(decoded.ok);
  CHECK(decoded.unknown_method);
  CHECK(decoded.class_id == 60);
  CHECK(decoded.method_index == 99);
}

TEST_CASE("bits pack into shared octets in spec order") {
  // queue.declare: ticket, queue, then passive durable exclusive auto-delete no-wait in one octet.
  Method m = Method::make(kQueueDeclare, {std::uint64_t{0}, std::string("q"), std::uint64_t{0}, std::uint64_t{1},
                                          std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{1}, FieldTable{}});
  std::string bytes;
  encode_method(bytes, m);
  // class(2) method(2) ticket(2) "q"(2) bits(1) table(4)
  REQUIRE(bytes.size() == 13);
  CHECK(static_cast<std::uint8_t>(bytes[8]) == 0b11010);
}

TEST_CASE("a truncated method is a decode error at every length, never a read past the end") {
  Method m = sample(*find_method_spec(kBasicConsume));
  std::string bytes;
  encode_method(bytes, m);
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    CAPTURE(length);
    CHECK_FALSE(decode_method(std::string_view(bytes).substr(0, length)).ok);
  }
}

TEST_CASE("field tables carry every type RabbitMQ uses, nested tables and arrays included") {
  const FieldTable table = every_field_type();
  std::string bytes;
  ByteWriter w(bytes);
  write_table(w, table);
  ByteReader r(bytes);
  FieldTable decoded = read_table(r);
  REQUIRE_FALSE(r.failed());
  CHECK(r.at_end());
  CHECK(broker::tables_equal(decoded, table));
}

TEST_CASE("an unknown field type tag or a table nested past the limit is malformed input") {
  std::string bad{"\x00\x00\x00\x03\x01k?", 7};
  ByteReader r(bad);
  (void)read_table(r);
  CHECK(r.failed());

  std::string deep;
  ByteWriter w(deep);
  FieldTable t{{"x", FieldValue(true)}};
  for (int i = 0; i < kMaxFieldNesting + 5; ++i) t = FieldTable{{"t", FieldValue(t)}};
  write_table(w, t);
  ByteReader deep_reader(deep);
  (void)read_table(deep_reader);
  CHECK(deep_reader.failed());
}

TEST_CASE("a content header carries all 14 basic properties, and none when none are set") {
  ContentHeader h;
  h.body_size = 1234567890123ull;
  auto& p = h.properties;
  p.content_type = "application/json";
  p.content_encoding = "gzip";
  p.headers = every_field_type();
  p.delivery_mode = 2;
  p.priority = 9;
  p.correlation_id = "corr-1";
  p.reply_to = "amq.rabbitmq.reply-to";
  p.expiration = "60000";
  p.message_id = "m-1";
  p.timestamp = 1700000000;
  p.type = "order.created";
  p.user_id = "guest";
  p.app_id = "shop";
  p.cluster_id = "c1";
  std::string bytes;
  encode_content_header(bytes, h);
  ContentHeaderDecode decoded = decode_content_header(bytes);
  REQUIRE(decoded.ok);
  CHECK(decoded.header.class_id == 60);
  CHECK(decoded.header.body_size == h.body_size);
  CHECK(decoded.header.properties == p);

  ContentHeader bare;
  bytes.clear();
  encode_content_header(bytes, bare);
  CHECK(bytes.size() == 14);  // class, weight, size, flags: no properties at all
  decoded = decode_content_header(bytes);
  REQUIRE(decoded.ok);
  CHECK(decoded.header.properties.empty());
}

TEST_CASE("frames decode only when complete, and a bad end octet or oversize frame is a 501") {
  std::string bytes;
  encode_frame(bytes, FrameType::kBody, 3, "hello");
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    FrameDecode partial = decode_frame(std::string_view(bytes).substr(0, length), 4096);
    CHECK(partial.status == FrameDecode::Status::kNeedMore);
    CHECK(partial.consumed == 0);
  }
  FrameDecode whole = decode_frame(bytes + "extra", 4096);
  REQUIRE(whole.status == FrameDecode::Status::kFrame);
  CHECK(whole.consumed == bytes.size());
  CHECK(whole.frame.channel == 3);
  CHECK(whole.frame.payload == "hello");

  std::string bad_end = bytes;
  bad_end.back() = 'x';
  FrameDecode broken = decode_frame(bad_end, 4096);
  CHECK(broken.status == FrameDecode::Status::kError);
  CHECK(broken.error.code == broker::ReplyCode::kFrameError);

  std::string big;
  encode_frame(big, FrameType::kBody, 1, std::string(5000, 'x'));
  CHECK(decode_frame(big, 4096).status == FrameDecode::Status::kError);
  CHECK(decode_frame(big, 8192).status == FrameDecode::Status::kFrame);

  std::string bad_type{"\x05\x00\x00\x00\x00\x00\x00\xce", 8};
  CHECK(decode_frame(bad_type, 4096).status == FrameDecode::Status::kError);
}
