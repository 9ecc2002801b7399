#include "scenario/rpc_client_actor.h"

#include <algorithm>
#include <cmath>

#include "scenario/message_template.h"

namespace brokersim::scenario {

RpcClientActor::RpcClientActor(ActorContext& context, const RpcClientSpec& spec)
    : context_(context), spec_(spec), connection_(context, spec.name, spec.at, this), reply_consumer_tag_(spec.name + "-replies") {
  connection_.add_setup([this](broker::ChannelKey key) { setup(key); });
  if (spec.start_us > 0) {
    context_.scheduler.schedule_at(spec.start_us, [this] {
      connection_.start();
      schedule_next();
    });
  } else {
    connection_.start();
    schedule_next();
  }
}

// Its reply queue: the pseudo-queue of direct reply-to, or an exclusive server-named queue.
void RpcClientActor::setup(broker::ChannelKey key) {
  auto& b = context_.client;
  if (spec_.direct_reply_to) {
    reply_to_ = std::string(broker::Broker::kDirectReplyTo);
  } else {
    auto declared = b.queue_declare(key, {.name = "", .exclusive = true});
    if (!context_.ok(declared, spec_.name, spec_.at)) return;
    reply_to_ = declared.value().name;
  }
  context_.ok(b.basic_consume(key, {.queue = reply_to_, .consumer_tag = reply_consumer_tag_, .no_ack = true}), spec_.name,
              spec_.at);
}

void RpcClientActor::on_deliver(const broker::Delivery& d) {
  ++stats_.received;
  const auto& id = d.message->properties().correlation_id;
  if (!id) return;
  auto it = pending_.find(*id);
  if (it == pending_.end()) {
    if (answered_.count(*id)) ++stats_.duplicate_replies;
    if (given_up_.count(*id)) ++stats_.late_replies;
    return;
  }
  const sim::TimeUs rtt = context_.now() - it->second.first_sent_us;
  pending_.erase(it);
  answered_.insert(*id);
  ++stats_.replies;
  stats_.round_trip_total_us += rtt;
  stats_.round_trip_max_us = std::max(stats_.round_trip_max_us, rtt);
}

void RpcClientActor::schedule_next() {
  if (spec_.rate_per_second <= 0 || (spec_.count && sent_ >= *spec_.count)) return;
  const auto gap = static_cast<sim::TimeUs>(std::llround(1e6 / spec_.rate_per_second));
  const sim::TimeUs at = context_.now() + gap;
  if (at > context_.end_us || at > spec_.stop_us) return;
  context_.scheduler.schedule_at(at, [this] {
    send();
    schedule_next();
  });
}

void RpcClientActor::send() {
  if (!connection_.running()) return;
  const std::uint64_t seq = ++sent_;
  const std::string id = spec_.name + "-" + std::to_string(seq);
  ++stats_.requests;
  pending_[id] = {context_.now(), 1};
  transmit(id, seq);
}

// One attempt: the same request, the same correlation id.
void RpcClientActor::transmit(const std::string& id, std::uint64_t seq) {
  broker::Publish p;
  p.exchange = spec_.exchange;
  p.routing_key = spec_.routing_key;
  expand(p.body, spec_.body, {{"seq", std::to_string(seq)}});
  p.properties.correlation_id = id;
  p.properties.reply_to = reply_to_;
  if (spec_.expiration_us) p.properties.expiration = std::to_string(*spec_.expiration_us / sim::kMicrosPerMilli);
  context_.scheduler.schedule_after(context_.latency(), [this, p = std::move(p)] {
    if (const auto key = connection_.open_channel()) context_.ok(context_.client.basic_publish(*key, p), spec_.name, spec_.at);
  });
  context_.scheduler.schedule_after(spec_.timeout_us, [this, id, seq] { on_timeout(id, seq); });
}

void RpcClientActor::on_timeout(const std::string& id, std::uint64_t seq) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;  // answered in time
  if (it->second.attempts <= spec_.retries && connection_.running()) {
    ++it->second.attempts;
    ++stats_.resent;
    transmit(id, seq);
    return;
  }
  pending_.erase(it);
  given_up_.insert(id);
  ++stats_.timeouts;
}

}  // namespace brokersim::scenario
