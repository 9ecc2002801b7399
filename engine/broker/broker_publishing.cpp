// Broker: basic.publish, from validation to routing, returns and publisher confirms.
#include "broker/broker_internal.h"
#include "broker/expiration.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace brokersim::broker {

using namespace internal;

namespace {

// Why RabbitMQ refuses an expiration, as its ~p prints the reason. io_lib_pretty breaks a 2-tuple
// that would run past column 78 after the comma, the second element under the first.
std::string expiration_refusal(const std::string& text) {
  const std::string shown = "invalid expiration '" + text + "': ";
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  const std::size_t digits = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == digits) return shown + "no_integer";
  std::string tag, value;
  if (i < text.size()) {
    tag = "leftover_string";
    value = "\"";
    for (char c : text.substr(i)) {
      if (c == '"' || c == '\\') value += '\\';
      value += c;
    }
    value += "\"";
  } else {
    std::string number = text.substr(digits);
    number.erase(0, std::min(number.find_first_not_of('0'), number.size() - 1));
    tag = negative ? "value_negative" : "value_too_large";
    value = (negative ? "-" : "") + number;
  }
  const std::size_t column = shown.size();
  if (column + tag.size() + value.size() + 3 <= 78) return shown + "{" + tag + "," + value + "}";
  return shown + "{" + tag + ",\n" + std::string(column + 1, ' ') + value + "}";
}

}  // namespace

// =====================================================================================
// [SECTION] publishing
// =====================================================================================

Status Broker::check_message_size(ChannelKey key, std::uint64_t body_size) {
  if (body_size <= limits_.max_message_size_bytes) return ok_status();
  OperationScope scope(*this);
  return fail(key, make_error(ReplyCode::kPreconditionFailed,
                              "message size " + std::to_string(body_size) + " is larger than configured max size " +
                                  std::to_string(limits_.max_message_size_bytes)));
}

Status Broker::refuse(ChannelKey key, Error error) {
  OperationScope scope(*this);
  return fail(key, std::move(error));
}

Status Broker::basic_publish(ChannelKey key, const Publish& publish) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  Channel& channel = *ch.value();
  if (publish.immediate) return fail(key, make_error(ReplyCode::kNotImplemented, "immediate=true"));
  if (auto size_ok = check_message_size(key, publish.body.size()); !size_ok) return size_ok;
  if (publish.routing_key.size() > 255) {
    return fail(key, make_error(ReplyCode::kSyntaxError, "routing key longer than 255 bytes"));
  }
  Exchange* exchange = exchange_named(publish.exchange);
  if (!exchange) return fail(key, exchange_not_found(publish.exchange));
  if (exchange->internal()) {
    return fail(key, make_error(ReplyCode::kAccessRefused,
                                "cannot publish to internal " + exchange_resource(publish.exchange)));
  }
  if (publish.properties.expiration && !parse_expiration_ms(*publish.properties.expiration)) {
    return fail(key, make_error(ReplyCode::kPreconditionFailed, expiration_refusal(*publish.properties.expiration)));
  }
  std::vector<std::string_view>& keys = routing_keys_scratch_;
  if (auto err = collect_routing_keys(publish, keys)) return fail(key, *err);

  // Direct reply-to: the bare pseudo-queue name is replaced by this channel's own reply address.
  if (publish.properties.reply_to && *publish.properties.reply_to == kDirectReplyTo) {
    if (channel.reply_to_address.empty()) {
      return fail(key, make_error(ReplyCode::kPreconditionFailed, "fast reply consumer does not exist"));
    }
    Publish rewritten = publish;
    rewritten.properties.reply_to = channel.reply_to_address;
    return publish_or_hold(channel, *exchange, rewritten);
  }
  return publish_or_hold(channel, *exchange, publish);
}

Status Broker::publish_or_hold(Channel& channel, Exchange& exchange, const Publish& publish) {
  if (channel.tx_mode) {
    auto& e = tracer_.begin(trace::EventKind::kTransaction);
    e.connection = channel.connection();
    e.channel = channel.number();
    e.exchange = publish.exchange;
    e.routing_key = publish.routing_key;
    e.text = "publish held until tx.commit";
    tracer_.emit();
    channel.tx_publishes.push_back(publish);
    return ok_status();
  }
  route_publish(channel, exchange, publish);
  return ok_status();
}

void Broker::route_publish(Channel& channel, Exchange& exchange_ref, const Publish& publish) {
  const ChannelKey key{channel.connection(), channel.number()};
  if (&exchange_ref == default_exchange_ && publish.routing_key.size() > kDirectReplyTo.size() &&
      publish.routing_key.starts_with(kDirectReplyTo) && publish.routing_key[kDirectReplyTo.size()] == '.') {
    publish_direct_reply(channel, publish);
    return;
  }
  Exchange* exchange = &exchange_ref;
  std::vector<std::string_view>& keys = routing_keys_scratch_;
  (void)collect_routing_keys(publish, keys);  // validated by basic_publish

  // Route on the keys as published (BCC included); the stored message has no BCC header.
  const Message::Id id = next_message_id_++;
  RoutingInput input{keys, publish.properties.headers ? &*publish.properties.headers : nullptr};
  router_.route(*exchange, input, route_scratch_);
  MessageRef message;
  if (publish.properties.headers && find_field(*publish.properties.headers, "BCC")) {
    BasicProperties stripped = publish.properties;
    erase_field(*stripped.headers, "BCC");
    message = Message::create(id, exchange->name_ref(), publish.routing_key, stripped, publish.body, scheduler_.now_us());
  } else {
    message = Message::create(id, shared_origin(channel, *exchange, publish.properties), publish.routing_key,
                              publish.body, scheduler_.now_us());
  }
  ++accounting_.published;

  const std::uint64_t sequence = channel.confirm_mode ? channel.next_publish_sequence++ : 0;
  {
    auto& e = tracer_.begin(trace::EventKind::kPublished);
    e.connection = key.connection;
    e.channel = key.channel;
    e.message_id = id;
    e.exchange = publish.exchange;
    e.routing_key = publish.routing_key;
    e.delivery_tag = sequence;
    e.text = publish.label;
    if (publish.mandatory) e.flags |= trace::kMandatory;
    e.route = std::move(route_scratch_.explanation);
    for (Queue* q : route_scratch_.queues) e.queues.push_back(q->name());
    tracer_.emit();
  }

  ++exchange->published_count;
  if (route_scratch_.queues.empty()) {
    ++exchange->unroutable_count;
    if (publish.mandatory) ++exchange->returned_count;
    return_or_drop_unroutable(channel, publish, message, "unroutable: no binding matched and it was not mandatory");
  }
  // The route result is scratch that dispatch may reuse, so take the queues out first.
  std::vector<Queue*> destinations;
  destinations.swap(route_scratch_.queues);
  bool refused = false;
  const sim::TimeUs now = scheduler_.now_us();
  for (Queue* q : destinations) {
    Effects& effects = effects_scratch_;  // no run() is nested in this loop
    effects.clear();
    count_enqueue(*q);
    q->apply(now, command::Enqueue{message}, effects);
    if (effects.empty()) continue;  // most enqueues: nothing overflows
    refused |= std::any_of(effects.begin(), effects.end(),
                           [](const Effect& e) { return std::holds_alternative<effect::RefusePublish>(e); });
    carry_out(*q, effects);
  }
  // RabbitMQ confirms once every queue has the message, and nacks when any queue refused it
  // (reject-publish); a return always comes before the ack.
  confirm_publish(channel, id, sequence, refused, /*by_queues=*/!destinations.empty());
  // A new message gets one chance to go straight to a consumer before TTL is checked, so
  // x-message-ttl 0 means "deliver now or never".
  for (Queue* q : destinations) run(*q, command::Dispatch{.fresh_publish = true});
  destinations.clear();
  route_scratch_.queues.swap(destinations);
}

SharedOrigin Broker::shared_origin(Channel& channel, const Exchange& exchange, const BasicProperties& properties) {
  if (properties.empty()) return exchange.plain_origin();
  // Only sets without headers are shared: tables compare equal regardless of key order, and
  // a message must keep the order it was published with.
  if (properties.headers) return make_origin(exchange.name_ref(), properties);
  const SharedOrigin& last = channel.last_origin;
  if (!last || last->exchange != exchange.name_ref() || !(last->properties == properties)) {
    channel.last_origin = make_origin(exchange.name_ref(), properties);
  }
  return channel.last_origin;
}

void Broker::return_or_drop_unroutable(Channel& channel, const Publish& publish, const MessageRef& message,
                                       std::string_view why_dropped) {
  ++accounting_.unroutable;
  auto& e = tracer_.begin(publish.mandatory ? trace::EventKind::kReturned : trace::EventKind::kDropped);
  e.connection = channel.connection();
  e.channel = channel.number();
  e.message_id = message->id();
  e.exchange = publish.exchange;
  e.routing_key = publish.routing_key;
  e.reason = trace::Reason::kUnroutable;
  if (publish.mandatory) {
    e.reply_code = static_cast<std::uint16_t>(ReplyCode::kNoRoute);
    e.text = "NO_ROUTE";
  } else {
    e.text = std::string(why_dropped);
  }
  tracer_.emit();
  if (publish.mandatory) push({channel.serial(), Return{channel.number(), ReplyCode::kNoRoute, "NO_ROUTE", message}});
}

void Broker::confirm_publish(Channel& channel, Message::Id id, std::uint64_t sequence, bool nack, bool by_queues) {
  if (!channel.confirm_mode) return;
  const Channel::SettledPublish settled{.sequence = sequence, .message_id = id, .nack = nack};
  // RabbitMQ's channel confirms a publish that reached no queue itself, at once; queues confirm
  // the others, and those the channel coalesces. Outside a turn nothing can join a confirm.
  if (!by_queues || turn_depth_ == 0) return send_coalesced(channel, {settled});
  channel.unsent_confirms.push_back(settled);
  if (channel.unsent_confirms.size() == 1) channels_with_unsent_confirms_.push_back(channel.serial());
}

void Broker::end_turn() {
  if (--turn_depth_ != 0) return;
  // A turn wraps whole broker calls, never ends inside one: its confirms would wait for the next.
  BROKERSIM_ASSERT(operation_depth_ == 0);
  send_confirms();
  flush_outbox();
}

void Broker::send_confirms_now() {
  OperationScope scope(*this);  // its end hands the confirms to their listeners
  send_confirms();
}

void Broker::send_confirms() {
  if (channels_with_unsent_confirms_.empty()) return;
  std::vector<std::uint64_t> serials;
  serials.swap(channels_with_unsent_confirms_);
  for (std::uint64_t serial : serials) {
    // A channel closed since has nobody left to tell.
    auto it = channels_by_serial_.find(serial);
    if (it == channels_by_serial_.end()) continue;
    std::vector<Channel::SettledPublish> settled;
    settled.swap(it->second->unsent_confirms);
    send_coalesced(*it->second, settled);
  }
}

// As RabbitMQ 3.10's channel does it (rabbit_channel:send_confirms and coalesce_and_send): a
// lone ack goes alone; otherwise the acks below the first nack go as one basic.ack with
// multiple=true and the acks after it one by one. Then the nacks alike, cut at the first ack,
// with no special case for a lone one. Every publish is settled in the turn it arrives in, so
// nothing older is outstanding below a run.
void Broker::send_coalesced(Channel& channel, const std::vector<Channel::SettledPublish>& settled) {
  const auto acks = std::count_if(settled.begin(), settled.end(), [](const auto& s) { return !s.nack; });
  if (acks == 1) {
    for (const auto& s : settled) {
      if (!s.nack) push_confirm(channel, s, 1, /*multiple=*/false);
    }
  }
  for (const bool nack : {false, true}) {
    if (!nack && acks <= 1) continue;
    std::uint64_t cutoff = std::numeric_limits<std::uint64_t>::max();  // the first publish of the other kind
    for (const auto& s : settled) {
      if (s.nack != nack) {
        cutoff = s.sequence;
        break;
      }
    }
    const Channel::SettledPublish* run_end = nullptr;
    std::uint64_t run_length = 0;
    for (const auto& s : settled) {
      if (s.nack != nack || s.sequence > cutoff) continue;
      run_end = &s;
      ++run_length;
    }
    if (run_end) push_confirm(channel, *run_end, run_length, /*multiple=*/true);
    for (const auto& s : settled) {
      if (s.nack == nack && s.sequence > cutoff) push_confirm(channel, s, 1, /*multiple=*/false);
    }
  }
}

void Broker::push_confirm(Channel& channel, const Channel::SettledPublish& last, std::uint64_t count, bool multiple) {
  auto& e = tracer_.begin(trace::EventKind::kConfirmed);
  e.connection = channel.connection();
  e.channel = channel.number();
  e.message_id = last.message_id;
  e.delivery_tag = last.sequence;
  if (multiple) {
    e.flags |= trace::kMultiple;
    e.count = count;
  }
  if (last.nack) {
    e.flags |= trace::kNack;
    e.text = "a queue it was routed to is full and refuses new messages (its overflow is reject-publish or reject-publish-dlx)";
  }
  tracer_.emit();
  push({channel.serial(), Confirm{channel.number(), last.sequence, multiple, last.nack}});
}

Status Broker::confirm_select(ChannelKey key) {
  OperationScope scope(*this);
  auto ch = channel_for(key);
  if (!ch) return ch.error();
  if (ch.value()->tx_mode) return fail(key, make_error(ReplyCode::kPreconditionFailed, "cannot switch from tx to confirm mode"));
  if (ch.value()->confirm_mode) return ok_status();
  ch.value()->confirm_mode = true;
  auto& e = tracer_.begin(trace::EventKind::kConfirmModeEnabled);
  e.connection = key.connection;
  e.channel = key.channel;
  tracer_.emit();
  return ok_status();
}

}  // namespace brokersim::broker

