#pragma once
// What a scenario's clients saw of a broker, recorded by a BrokerClient that wraps another: the
// same recording over the simulated broker and over a real RabbitMQ, so `verify` compares like
// with like. Everything here is visible to a client on the wire; nothing reads broker state.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "scenario/broker_client.h"

namespace brokersim::scenario {

struct QueueSeen {
  std::uint64_t delivered = 0;  // deliveries and basic.get-ok from this queue to any actor
  std::uint64_t redelivered = 0;
  std::uint64_t acked = 0;
  std::uint64_t nacked = 0;  // nack and reject
  // "routing-key | body" of each message delivered from the queue, with how often.
  std::map<std::string, std::uint64_t> contents;
  // Each delivery's x-death header as it arrived (entries in the message's order).
  std::map<std::string, std::uint64_t> x_deaths;
  std::map<std::string, std::uint64_t> by_actor;  // deliveries per actor
};

struct Observations {
  std::map<std::string, QueueSeen> queues;  // by the scenario's name for the queue
  // "312 NO_ROUTE: exchange / key | body" of each basic.return, with how often.
  std::map<std::string, std::uint64_t> returns;
  std::uint64_t publishes = 0;
};

class ObservingClient final : public BrokerClient {
 public:
  ObservingClient(BrokerClient& inner, Observations& seen) : inner_(inner), seen_(seen) {}
  ~ObservingClient() override;

  // A server-named queue has another name on every broker; the table calls it by its owner.
  std::string scenario_name(const std::string& queue) const;

  broker::ConnectionId open_connection(std::string name, broker::ConnectionListener* listener,
                                       trace::ConnectionRole role) override;
  bool connection_open(broker::ConnectionId id) const override { return inner_.connection_open(id); }
  void close_connection(broker::ConnectionId id, broker::ReplyCode code, std::string_view text) override {
    inner_.close_connection(id, code, text);
  }
  broker::Status channel_open(broker::ChannelKey key) override;
  bool channel_is_open(broker::ChannelKey key) const override { return inner_.channel_is_open(key); }
  bool has_consumer(broker::ChannelKey key, const std::string& tag) const override { return inner_.has_consumer(key, tag); }

  broker::Status exchange_declare(broker::ChannelKey key, const broker::ExchangeDeclare& declare) override {
    return inner_.exchange_declare(key, declare);
  }
  broker::Status exchange_delete(broker::ChannelKey key, const std::string& name) override {
    return inner_.exchange_delete(key, name);
  }
  broker::Status exchange_bind(broker::ChannelKey key, const std::string& destination, const std::string& source,
                               const std::string& routing_key, const broker::FieldTable& arguments) override {
    return inner_.exchange_bind(key, destination, source, routing_key, arguments);
  }
  broker::Status exchange_unbind(broker::ChannelKey key, const std::string& destination, const std::string& source,
                                 const std::string& routing_key, const broker::FieldTable& arguments) override {
    return inner_.exchange_unbind(key, destination, source, routing_key, arguments);
  }
  broker::Result<broker::QueueDeclareOk> queue_declare(broker::ChannelKey key, const broker::QueueDeclare& declare) override;
  broker::Status queue_bind(broker::ChannelKey key, const std::string& queue, const std::string& exchange,
                            const std::string& routing_key, const broker::FieldTable& arguments) override {
    return inner_.queue_bind(key, queue, exchange, routing_key, arguments);
  }
  broker::Status queue_unbind(broker::ChannelKey key, const std::string& queue, const std::string& exchange,
                              const std::string& routing_key, const broker::FieldTable& arguments) override {
    return inner_.queue_unbind(key, queue, exchange, routing_key, arguments);
  }
  broker::Result<std::uint32_t> queue_purge(broker::ChannelKey key, const std::string& queue) override {
    return inner_.queue_purge(key, queue);
  }
  broker::Result<std::uint32_t> queue_delete(broker::ChannelKey key, const std::string& queue) override {
    return inner_.queue_delete(key, queue);
  }

  broker::Status basic_qos(broker::ChannelKey key, std::uint16_t prefetch_count) override {
    return inner_.basic_qos(key, prefetch_count);
  }
  broker::Result<std::string> basic_consume(broker::ChannelKey key, const broker::Consume& consume) override;
  broker::Status basic_cancel(broker::ChannelKey key, const std::string& consumer_tag) override {
    return inner_.basic_cancel(key, consumer_tag);
  }
  broker::Status basic_publish(broker::ChannelKey key, const broker::Publish& publish) override {
    ++seen_.publishes;
    return inner_.basic_publish(key, publish);
  }
  broker::Result<std::optional<broker::GetOk>> basic_get(broker::ChannelKey key, const std::string& queue,
                                                         bool no_ack) override;
  broker::Status basic_ack(broker::ChannelKey key, std::uint64_t delivery_tag) override;
  broker::Status basic_nack(broker::ChannelKey key, std::uint64_t delivery_tag, bool requeue) override;
  broker::Status basic_reject(broker::ChannelKey key, std::uint64_t delivery_tag, bool requeue) override;
  broker::Status confirm_select(broker::ChannelKey key) override { return inner_.confirm_select(key); }
  bool restart_broker() override { return inner_.restart_broker(); }

 private:
  class Tap;
  using ChannelTag = std::tuple<broker::ConnectionId, std::uint16_t, std::string>;
  using DeliveryTag = std::tuple<broker::ConnectionId, std::uint16_t, std::uint64_t>;

  void record_delivery(broker::ConnectionId connection, std::uint16_t channel, const std::string& queue,
                       std::uint64_t delivery_tag, bool redelivered, const broker::Message& message);
  void record_return(const broker::Return& r);
  void settle(broker::ChannelKey key, std::uint64_t delivery_tag, bool ack);
  std::string owner_of(broker::ConnectionId id) const;

  BrokerClient& inner_;
  Observations& seen_;
  std::deque<std::shared_ptr<Tap>> taps_;  // shared_ptr: Tap is complete only in the .cpp
  std::map<broker::ConnectionId, std::string> owners_;
  std::map<std::string, std::string> server_named_;  // broker's name -> the scenario's
  std::map<ChannelTag, std::string> consumer_queues_;
  std::map<DeliveryTag, std::string> delivery_queues_;  // unsettled deliveries
};

}  // namespace brokersim::scenario
