// Headers exchange truth table: x-match all / any / all-with-x / any-with-x, the void
// "present" argument, and RabbitMQ's value comparison.
#include <doctest/doctest.h>

#include "broker/headers_exchange.h"
#include "routing_helpers.h"

using namespace brokersim::testing;

namespace {

FieldTable table(std::initializer_list<std::pair<std::string, FieldValue>> entries) {
  return FieldTable(entries.begin(), entries.end());
}

BasicProperties with_headers(FieldTable headers) {
  BasicProperties p;
  p.headers = std::move(headers);
  return p;
}

}  // namespace

TEST_CASE("headers: x-match all, any and their -with-x forms") {
  World w;
  auto ch = w.client().channel();
  REQUIRE(w.declare_exchange(ch, "h", "headers").ok());
  for (const char* q : {"all", "any", "default", "all-x", "any-x", "present"}) w.declare_queue(ch, q);
  REQUIRE(w.broker.queue_bind(ch, "all", "h", "", table({{"x-match", "all"}, {"format", "pdf"}, {"type", "report"}})).ok());
  REQUIRE(w.broker.queue_bind(ch, "any", "h", "", table({{"x-match", "any"}, {"format", "pdf"}, {"type", "report"}})).ok());
  REQUIRE(w.broker.queue_bind(ch, "default", "h", "", table({{"format", "pdf"}, {"type", "report"}})).ok());
  REQUIRE(w.broker.queue_bind(ch, "all-x", "h", "", table({{"x-match", "all-with-x"}, {"x-tenant", "acme"}, {"format", "pdf"}})).ok());
  REQUIRE(w.broker.queue_bind(ch, "any-x", "h", "", table({{"x-match", "any-with-x"}, {"x-tenant", "acme"}})).ok());
  REQUIRE(w.broker.queue_bind(ch, "present", "h", "", table({{"urgent", FieldValue(brokersim::broker::Void{})}})).ok());

  auto route = [&](FieldTable headers) { return routed_to(w, ch, "h", "ignored", with_headers(std::move(headers))); };
  CHECK(route(table({{"format", "pdf"}, {"type", "report"}})) == Names{"all", "any", "default"});
  CHECK(route(table({{"format", "pdf"}})) == Names{"any"});
  CHECK(route(table({{"format", "zip"}, {"type", "report"}})) == Names{"any"});
  // all-with-x compares x- arguments too; plain all/any ignore them.
  CHECK(route(table({{"format", "pdf"}, {"x-tenant", "acme"}})) == Names{"all-x", "any", "any-x"});
  CHECK(route(table({{"format", "pdf"}, {"x-tenant", "other"}})) == Names{"any"});
  // A void argument means "present", whatever the value.
  CHECK(route(table({{"urgent", "no"}})) == Names{"present"});
  CHECK(route(table({{"urgent", FieldValue(std::int32_t{0})}})) == Names{"present"});
  CHECK(route({}) == Names{});
  CHECK(routed_to(w, ch, "h", "k") == Names{});  // no headers at all
}

TEST_CASE("headers: all with no plain arguments matches everything, any with none matches nothing") {
  World w;
  auto ch = w.client().channel();
  REQUIRE(w.declare_exchange(ch, "h", "headers").ok());
  w.declare_queue(ch, "everything");
  w.declare_queue(ch, "nothing");
  w.declare_queue(ch, "x-only-all");
  REQUIRE(w.broker.queue_bind(ch, "everything", "h", "", table({{"x-match", "all"}})).ok());
  REQUIRE(w.broker.queue_bind(ch, "nothing", "h", "", table({{"x-match", "any"}})).ok());
  // With plain all, x- arguments are ignored, so this binding has no plain arguments.
  REQUIRE(w.broker.queue_bind(ch, "x-only-all", "h", "", table({{"x-match", "all"}, {"x-k", "v"}})).ok());
  CHECK(routed_to(w, ch, "h", "") == Names{"everything", "x-only-all"});
  CHECK(routed_to(w, ch, "h", "", with_headers(table({{"a", "b"}}))) == Names{"everything", "x-only-all"});
}

TEST_CASE("headers: values compare as RabbitMQ does, ignoring integer width but not class") {
  using brokersim::broker::headers_match;
  const FieldTable binding = table({{"n", FieldValue(std::int32_t{5})}});
  auto matches = [&](FieldValue header) {
    const FieldTable headers = table({{"n", std::move(header)}});
    return headers_match(binding, &headers);
  };
  CHECK(matches(FieldValue(std::int64_t{5})));
  CHECK(matches(FieldValue::of(std::uint8_t{5})));
  CHECK_FALSE(matches(FieldValue("5")));
  CHECK_FALSE(matches(FieldValue(std::int32_t{6})));
}

TEST_CASE("headers: an invalid x-match is refused at bind time with 406") {
  World w;
  auto& c = w.client();
  auto ch = c.channel();
  REQUIRE(w.declare_exchange(ch, "h", "headers").ok());
  w.declare_queue(ch, "q");
  auto bad_value = w.broker.queue_bind(ch, "q", "h", "", table({{"x-match", "some"}}));
  CHECK(bad_value.code() == ReplyCode::kPreconditionFailed);
  CHECK(bad_value.error().text.find("Invalid x-match field value") != std::string::npos);
  CHECK(w.broker.find_channel(ch) == nullptr);  // the channel was closed

  auto ch2 = c.channel(2);
  auto bad_type = w.broker.queue_bind(ch2, "q", "h", "", table({{"x-match", FieldValue(std::int32_t{1})}}));
  CHECK(bad_type.code() == ReplyCode::kPreconditionFailed);
  CHECK(bad_type.error().text.find("Invalid x-match field type") != std::string::npos);
  CHECK(w.broker.find_exchange("h")->bindings().empty());
}

TEST_CASE("messages share equal properties, and headers keep the order each was published with") {
  World w;
  auto ch = w.client().channel();
  w.declare_queue(ch, "q");
  BasicProperties plain;
  plain.content_type = "application/json";
  plain.delivery_mode = 2;
  BasicProperties ab;
  ab.headers = FieldTable{{"a", FieldValue(std::int64_t{1})}, {"b", FieldValue(std::int64_t{2})}};
  BasicProperties ba;
  ba.headers = FieldTable{{"b", FieldValue(std::int64_t{2})}, {"a", FieldValue(std::int64_t{1})}};
  REQUIRE(w.publish(ch, "", "q", "1", false, plain).ok());
  REQUIRE(w.publish(ch, "", "q", "2", false, plain).ok());
  REQUIRE(w.publish(ch, "", "q", "3", false, ab).ok());
  REQUIRE(w.publish(ch, "", "q", "4", false, ba).ok());
  std::vector<MessageRef> got;
  for (int i = 0; i < 4; ++i) got.push_back(w.broker.basic_get(ch, "q", true).value()->message);
  CHECK(got[0]->properties() == plain);
  CHECK(&got[0]->properties() == &got[1]->properties());  // one shared set, not two copies
  CHECK(got[2]->headers()->front().first == "a");
  CHECK(got[3]->headers()->front().first == "b");  // equal as tables, but not merged
}

TEST_CASE("messages without properties share their exchange's one origin, whatever exchange came before") {
  World w;
  auto ch = w.client().channel();
  w.declare_queue(ch, "q");
  REQUIRE(w.broker.queue_bind(ch, "q", "amq.direct", "q").ok());
  for (int i = 0; i < 4; ++i) REQUIRE(w.publish(ch, i % 2 == 0 ? "" : "amq.direct", "q", "m").ok());
  std::vector<MessageRef> got;
  for (int i = 0; i < 4; ++i) got.push_back(w.broker.basic_get(ch, "q", true).value()->message);
  CHECK(got[0]->exchange() == "");
  CHECK(got[1]->exchange() == "amq.direct");
  CHECK(&got[0]->properties() == &got[2]->properties());  // alternating exchanges still share
  CHECK(&got[1]->properties() == &got[3]->properties());
}
