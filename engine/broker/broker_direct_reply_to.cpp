// Broker: direct reply-to, RPC replies straight to the requester's channel.
#include "broker/broker_internal.h"

#include <algorithm>
#include <cassert>

namespace brokersim::broker {

using namespace internal;

// =====================================================================================
// [SECTION] direct reply-to: RPC replies straight to the requester's channel, no queue
// =====================================================================================

Result<std::string> Broker::consume_direct_reply_to(Channel& channel, const Consume& c) {
  const ChannelKey key{channel.connection(), channel.number()};
  if (!c.no_ack) return fail(key, make_error(ReplyCode::kPreconditionFailed, "reply consumer cannot acknowledge"));
  if (!channel.reply_to_address.empty()) {
    return fail(key, make_error(ReplyCode::kPreconditionFailed, "reply consumer already set"));
  }
  std::string tag = c.consumer_tag.empty() ? generate_name("amq.ctag-") : c.consumer_tag;
  if (channel.consumers.count(tag)) {
    return fail(key, make_error(ReplyCode::kNotAllowed, "attempt to reuse consumer tag '" + tag + "'"));
  }
  channel.reply_consumer_tag = std::make_shared<const std::string>(tag);
  channel.reply_to_address = generate_name(std::string(kDirectReplyTo) + ".");
  reply_addresses_[channel.reply_to_address] = channel.serial();
  auto& e = tracer_.begin(trace::EventKind::kConsumerAdded);
  e.connection = key.connection;
  e.channel = key.channel;
  e.queue = std::string(kDirectReplyTo);
  e.consumer_tag = tag;
  e.text = "direct reply-to, no-ack; replies go to " + channel.reply_to_address;
  e.flags |= trace::kNoAck;
  tracer_.emit();
  return tag;
}

void Broker::stop_direct_reply_to(Channel& channel, std::string_view reason) {
  auto& e = tracer_.begin(trace::EventKind::kConsumerCancelled);
  e.connection = channel.connection();
  e.channel = channel.number();
  e.queue = std::string(kDirectReplyTo);
  e.consumer_tag = *channel.reply_consumer_tag;
  e.text = std::string(reason);
  tracer_.emit();
  reply_addresses_.erase(channel.reply_to_address);
  channel.reply_to_address.clear();
  channel.reply_consumer_tag.reset();
}

void Broker::publish_direct_reply(Channel& channel, const Publish& publish) {
  const ChannelKey key{channel.connection(), channel.number()};
  const Message::Id id = next_message_id_++;
  MessageRef message = Message::create(id, default_exchange_->name_ref(), publish.routing_key, publish.properties,
                                       publish.body, scheduler_.now_us());
  ++accounting_.published;
  Channel* requester = nullptr;
  if (auto it = reply_addresses_.find(publish.routing_key); it != reply_addresses_.end()) {
    if (auto ch = channels_by_serial_.find(it->second); ch != channels_by_serial_.end()) requester = ch->second;
  }
  const std::uint64_t sequence = channel.confirm_mode ? channel.next_publish_sequence++ : 0;
  {
    auto& e = tracer_.begin(trace::EventKind::kPublished);
    e.connection = key.connection;
    e.channel = key.channel;
    e.message_id = id;
    e.routing_key = publish.routing_key;
    e.delivery_tag = sequence;
    if (publish.mandatory) e.flags |= trace::kMandatory;
    auto route = std::make_shared<trace::RouteExplanation>();
    trace::RouteStep& step = route->steps.emplace_back();
    step.destination = publish.routing_key;
    step.binding_key = "direct reply-to";
    step.matched = requester != nullptr;
    e.route = std::move(route);
    if (requester) e.queues.push_back(publish.routing_key);
    tracer_.emit();
  }
  if (requester) {
    // Straight to the requester's reply consumer: no queue, no ack.
    ++accounting_.copies_enqueued;
    ++accounting_.copies_auto_acked;
    const std::uint64_t tag = requester->take_delivery_tag();
    auto& e = tracer_.begin(trace::EventKind::kDelivered);
    e.connection = requester->connection();
    e.channel = requester->number();
    e.message_id = id;
    e.queue = std::string(kDirectReplyTo);
    e.consumer_tag = *requester->reply_consumer_tag;
    e.delivery_tag = tag;
    e.flags |= trace::kNoAck;
    tracer_.emit();
    push({requester->serial(), Delivery{requester->number(), requester->reply_consumer_tag, tag, false, message}});
  } else {
    return_or_drop_unroutable(channel, publish, message,
                              "unroutable: no direct reply-to consumer has this address any more");
  }
  confirm_publish(channel, id, sequence, false, /*by_queues=*/false);
}

}  // namespace brokersim::broker

