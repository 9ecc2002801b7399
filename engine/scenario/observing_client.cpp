#include "scenario/observing_client.h"

namespace brokersim::scenario {
namespace {

std::string field_text(const broker::FieldValue& v) {
  if (const std::string* s = v.as_string()) return *s;
  if (auto n = v.as_integer()) return std::to_string(*n);
  if (const broker::FieldArray* a = v.as_array()) {
    std::string out = "[";
    for (const auto& item : *a) out += (out.size() > 1 ? "," : "") + field_text(item);
    return out + "]";
  }
  return "?";
}

}  // namespace

// Passes the broker's pushes on to the actor, recording them first.
class ObservingClient::Tap final : public broker::ConnectionListener {
 public:
  Tap(ObservingClient& owner, broker::ConnectionListener* inner) : owner_(owner), inner_(inner) {}
  broker::ConnectionId id = 0;

  void on_deliver(const broker::Delivery& d) override {
    const auto it = owner_.consumer_queues_.find({id, d.channel, *d.consumer_tag});
    const std::string queue = it == owner_.consumer_queues_.end() ? "(unknown consumer)" : it->second;
    owner_.record_delivery(id, d.channel, queue, d.delivery_tag, d.redelivered, *d.message);
    if (inner_) inner_->on_deliver(d);
  }
  void on_return(const broker::Return& r) override {
    owner_.record_return(r);
    if (inner_) inner_->on_return(r);
  }
  void on_confirm(const broker::Confirm& c) override {
    if (inner_) inner_->on_confirm(c);
  }
  void on_consumer_cancelled(std::uint16_t channel, const std::string& tag) override {
    if (inner_) inner_->on_consumer_cancelled(channel, tag);
  }

 private:
  ObservingClient& owner_;
  broker::ConnectionListener* inner_;
};

ObservingClient::~ObservingClient() = default;

std::string ObservingClient::scenario_name(const std::string& queue) const {
  // A direct reply-to address is the pseudo-queue plus a suffix of the broker's own.
  constexpr std::string_view kReplyTo = "amq.rabbitmq.reply-to.";
  if (queue.rfind(kReplyTo, 0) == 0) return std::string(kReplyTo) + "*";
  const auto it = server_named_.find(queue);
  return it == server_named_.end() ? queue : it->second;
}

std::string ObservingClient::owner_of(broker::ConnectionId id) const {
  const auto it = owners_.find(id);
  return it == owners_.end() ? std::string() : it->second;
}

broker::ConnectionId ObservingClient::open_connection(std::string name, broker::ConnectionListener* listener,
                                                      trace::ConnectionRole role) {
  auto& tap = taps_.emplace_back(std::make_shared<Tap>(*this, listener));
  const std::string owner = name;
  tap->id = inner_.open_connection(std::move(name), tap.get(), role);
  owners_[tap->id] = owner;
  return tap->id;
}

// A new channel numbers its deliveries from 1 again.
broker::Status ObservingClient::channel_open(broker::ChannelKey key) {
  std::erase_if(delivery_queues_, [&](const auto& entry) {
    return std::get<0>(entry.first) == key.connection && std::get<1>(entry.first) == key.channel;
  });
  return inner_.channel_open(key);
}

broker::Result<broker::QueueDeclareOk> ObservingClient::queue_declare(broker::ChannelKey key, const broker::QueueDeclare& declare) {
  auto result = inner_.queue_declare(key, declare);
  if (result.ok() && declare.name.empty()) {
    server_named_[result.value().name] = "(server-named queue of " + owner_of(key.connection) + ")";
  }
  return result;
}

broker::Result<std::string> ObservingClient::basic_consume(broker::ChannelKey key, const broker::Consume& consume) {
  // The simulated broker delivers before the call returns; a real one after consume-ok. Either
  // way the delivery must find its queue.
  const std::string queue = scenario_name(consume.queue);
  if (!consume.consumer_tag.empty()) consumer_queues_[{key.connection, key.channel, consume.consumer_tag}] = queue;
  auto result = inner_.basic_consume(key, consume);
  if (result.ok()) consumer_queues_[{key.connection, key.channel, result.value()}] = queue;
  return result;
}

broker::Result<std::optional<broker::GetOk>> ObservingClient::basic_get(broker::ChannelKey key, const std::string& queue,
                                                                        bool no_ack) {
  auto result = inner_.basic_get(key, queue, no_ack);
  if (result.ok() && result.value()) {
    const broker::GetOk& ok = *result.value();
    record_delivery(key.connection, key.channel, scenario_name(queue), no_ack ? 0 : ok.delivery_tag, ok.redelivered,
                    *ok.message);
  }
  return result;
}

void ObservingClient::record_delivery(broker::ConnectionId connection, std::uint16_t channel, const std::string& queue,
                                      std::uint64_t delivery_tag, bool redelivered, const broker::Message& message) {
  QueueSeen& q = seen_.queues[queue];
  ++q.delivered;
  q.redelivered += redelivered;
  ++q.by_actor[owner_of(connection)];
  ++q.contents[scenario_name(std::string(message.routing_key())) + " | " + std::string(message.body())];
  if (delivery_tag) delivery_queues_[{connection, channel, delivery_tag}] = queue;
  const broker::FieldTable* headers = message.headers();
  const broker::FieldValue* deaths = headers ? broker::find_field(*headers, "x-death") : nullptr;
  const broker::FieldArray* list = deaths ? deaths->as_array() : nullptr;
  if (!list) return;
  std::string text;
  for (const broker::FieldValue& entry : *list) {
    const broker::FieldTable* t = entry.as_table();
    if (!t) continue;
    text += text.empty() ? "" : "; ";
    for (const char* key : {"queue", "reason", "count", "exchange", "routing-keys"}) {
      const broker::FieldValue* v = broker::find_field(*t, key);
      std::string value = v ? field_text(*v) : "-";
      if (std::string_view(key) == "queue") value = scenario_name(value);
      text += std::string(key) + "=" + value + (std::string_view(key) == "routing-keys" ? "" : " ");
    }
  }
  ++q.x_deaths[text];
}

void ObservingClient::record_return(const broker::Return& r) {
  const std::string text = std::to_string(static_cast<int>(r.code)) + " " + r.text + ": " + r.message->exchange() + " / " +
                           std::string(r.message->routing_key()) + " | " + std::string(r.message->body());
  ++seen_.returns[text];
}

void ObservingClient::settle(broker::ChannelKey key, std::uint64_t delivery_tag, bool ack) {
  const auto it = delivery_queues_.find({key.connection, key.channel, delivery_tag});
  if (it == delivery_queues_.end()) return;
  QueueSeen& q = seen_.queues[it->second];
  ++(ack ? q.acked : q.nacked);
  delivery_queues_.erase(it);
}

broker::Status ObservingClient::basic_ack(broker::ChannelKey key, std::uint64_t delivery_tag) {
  settle(key, delivery_tag, true);
  return inner_.basic_ack(key, delivery_tag);
}

broker::Status ObservingClient::basic_nack(broker::ChannelKey key, std::uint64_t delivery_tag, bool requeue) {
  settle(key, delivery_tag, false);
  return inner_.basic_nack(key, delivery_tag, requeue);
}

broker::Status ObservingClient::basic_reject(broker::ChannelKey key, std::uint64_t delivery_tag, bool requeue) {
  settle(key, delivery_tag, false);
  return inner_.basic_reject(key, delivery_tag, requeue);
}

}  // namespace brokersim::scenario
