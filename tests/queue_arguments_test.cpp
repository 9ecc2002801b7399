// Bad queue arguments get 406 with a text naming the argument. Every text below was checked
// against a real rabbitmq-server 3.10.8.
#include <doctest/doctest.h>

#include "broker_fixture.h"

using namespace brokersim::testing;

namespace {

std::string refusal(FieldTable args) {
  World w;
  auto r = w.declare_queue_with(w.client().channel(), "q", std::move(args));
  if (r.ok()) return "accepted";
  CHECK(r.code() == ReplyCode::kPreconditionFailed);
  return r.error().text;
}

}  // namespace

TEST_CASE("queue arguments: bad types and values are refused with 406") {
  CHECK(refusal({{"x-message-ttl", FieldValue(-1)}}) ==
        "PRECONDITION_FAILED - invalid arg 'x-message-ttl' for queue 'q' in vhost '/': {value_negative,-1}");
  CHECK(refusal({{"x-message-ttl", "abc"}}) ==
        "PRECONDITION_FAILED - invalid arg 'x-message-ttl' for queue 'q' in vhost '/': \"expected integer, got longstr\"");
  CHECK(refusal({{"x-expires", FieldValue(0)}}) ==
        "PRECONDITION_FAILED - invalid arg 'x-expires' for queue 'q' in vhost '/': {value_zero,0}");
  CHECK(refusal({{"x-expires", FieldValue(-5)}}) ==
        "PRECONDITION_FAILED - invalid arg 'x-expires' for queue 'q' in vhost '/': {value_negative,-5}");
  CHECK(refusal({{"x-max-length", FieldValue(-1)}}) ==
        "PRECONDITION_FAILED - invalid arg 'x-max-length' for queue 'q' in vhost '/': {value_negative,-1}");
  CHECK(refusal({{"x-max-length-bytes", FieldValue(-1)}}) ==
        "PRECONDITION_FAILED - invalid arg 'x-max-length-bytes' for queue 'q' in vhost '/': {value_negative,-1}");
  CHECK(refusal({{"x-overflow", "bogus"}}) ==
        "PRECONDITION_FAILED - invalid arg 'x-overflow' for queue 'q' in vhost '/': invalid_overflow");
  CHECK(refusal({{"x-max-priority", FieldValue(256)}}) ==
        "PRECONDITION_FAILED - invalid arg 'x-max-priority' for queue 'q' in vhost '/': {max_value_exceeded,256}");
  CHECK(refusal({{"x-max-priority", FieldValue(-1)}}) ==
        "PRECONDITION_FAILED - invalid arg 'x-max-priority' for queue 'q' in vhost '/': {value_negative,-1}");
  CHECK(refusal({{"x-max-priority", FieldValue(255)}}) == "accepted");
  CHECK(refusal({{"x-max-priority", FieldValue(0)}}) == "accepted");  // a plain FIFO queue
  CHECK(refusal({{"x-dead-letter-exchange", FieldValue(5)}}) ==
        "PRECONDITION_FAILED - invalid type 'signedint' for arg 'x-dead-letter-exchange' in queue 'q' in vhost '/'");
  CHECK(refusal({{"x-dead-letter-routing-key", "k"}}) ==
        "PRECONDITION_FAILED - invalid arg 'x-dead-letter-routing-key' for queue 'q' in vhost '/': "
        "routing_key_but_no_dlx_defined");
  CHECK(refusal({{"x-single-active-consumer", "yes"}}) ==
        "PRECONDITION_FAILED - invalid arg 'x-single-active-consumer' for queue 'q' in vhost '/': "
        "{unacceptable_type,longstr}");
  CHECK(refusal({{"x-queue-type", "bogus"}}) ==
        "PRECONDITION_FAILED - invalid arg 'x-queue-type' for queue 'q' in vhost '/': \"unsupported queue type 'bogus'\"");
  CHECK(refusal({{"x-queue-mode", "bogus"}}) ==
        "PRECONDITION_FAILED - invalid arg 'x-queue-mode' for queue 'q' in vhost '/': \"unsupported queue mode 'bogus'\"");
  // x-delivery-limit belongs to quorum queues; classic queues refuse it whatever its value.
  CHECK(refusal({{"x-delivery-limit", FieldValue(5)}}) ==
        "PRECONDITION_FAILED - invalid arg 'x-delivery-limit' for queue 'q' in vhost '/' of queue type rabbit_classic_queue");
  CHECK(refusal({{"x-custom", "anything"}}) == "accepted");  // unknown arguments are ignored
}
