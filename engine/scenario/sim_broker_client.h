#pragma once
// The scenario client for the simulated broker: each call is the broker's own method, answered
// at once, in simulated time.
#include "scenario/broker_client.h"

namespace brokersim::scenario {

class SimBrokerClient final : public BrokerClient {
 public:
  explicit SimBrokerClient(broker::Broker& broker) : broker_(broker) {}

  broker::ConnectionId open_connection(std::string name, broker::ConnectionListener* listener,
                                       trace::ConnectionRole role) override {
    return broker_.open_connection(std::move(name), listener, role);
  }
  bool connection_open(broker::ConnectionId id) const override { return broker_.connection_open(id); }
  void close_connection(broker::ConnectionId id, broker::ReplyCode code, std::string_view text) override {
    broker_.close_connection(id, code, text);
  }
  broker::Status channel_open(broker::ChannelKey key) override { return broker_.channel_open(key); }
  bool channel_is_open(broker::ChannelKey key) const override { return broker_.find_channel(key) != nullptr; }
  bool has_consumer(broker::ChannelKey key, const std::string& consumer_tag) const override;

  broker::Status exchange_declare(broker::ChannelKey key, const broker::ExchangeDeclare& declare) override {
    return broker_.exchange_declare(key, declare);
  }
  broker::Status exchange_delete(broker::ChannelKey key, const std::string& name) override {
    return broker_.exchange_delete(key, name, false);
  }
  broker::Status exchange_bind(broker::ChannelKey key, const std::string& destination, const std::string& source,
                               const std::string& routing_key, const broker::FieldTable& arguments) override {
    return broker_.exchange_bind(key, destination, source, routing_key, arguments);
  }
  broker::Status exchange_unbind(broker::ChannelKey key, const std::string& destination, const std::string& source,
                                 const std::string& routing_key, const broker::FieldTable& arguments) override {
    return broker_.exchange_unbind(key, destination, source, routing_key, arguments);
  }
  broker::Result<broker::QueueDeclareOk> queue_declare(broker::ChannelKey key, const broker::QueueDeclare& declare) override {
    return broker_.queue_declare(key, declare);
  }
  broker::Status queue_bind(broker::ChannelKey key, const std::string& queue, const std::string& exchange,
                            const std::string& routing_key, const broker::FieldTable& arguments) override {
    return broker_.queue_bind(key, queue, exchange, routing_key, arguments);
  }
  broker::Status queue_unbind(broker::ChannelKey key, const std::string& queue, const std::string& exchange,
                              const std::string& routing_key, const broker::FieldTable& arguments) override {
    return broker_.queue_unbind(key, queue, exchange, routing_key, arguments);
  }
  broker::Result<std::uint32_t> queue_purge(broker::ChannelKey key, const std::string& queue) override {
    return broker_.queue_purge(key, queue);
  }
  broker::Result<std::uint32_t> queue_delete(broker::ChannelKey key, const std::string& queue) override {
    return broker_.queue_delete(key, queue, false, false);
  }

  broker::Status basic_qos(broker::ChannelKey key, std::uint16_t prefetch_count) override {
    return broker_.basic_qos(key, 0, prefetch_count, false);
  }
  broker::Result<std::string> basic_consume(broker::ChannelKey key, const broker::Consume& consume) override {
    return broker_.basic_consume(key, consume);
  }
  broker::Status basic_cancel(broker::ChannelKey key, const std::string& consumer_tag) override {
    return broker_.basic_cancel(key, consumer_tag);
  }
  broker::Status basic_publish(broker::ChannelKey key, const broker::Publish& publish) override {
    return broker_.basic_publish(key, publish);
  }
  broker::Result<std::optional<broker::GetOk>> basic_get(broker::ChannelKey key, const std::string& queue,
                                                         bool no_ack) override {
    return broker_.basic_get(key, queue, no_ack);
  }
  broker::Status basic_ack(broker::ChannelKey key, std::uint64_t delivery_tag) override {
    return broker_.basic_ack(key, delivery_tag, false);
  }
  broker::Status basic_nack(broker::ChannelKey key, std::uint64_t delivery_tag, bool requeue) override {
    return broker_.basic_nack(key, delivery_tag, false, requeue);
  }
  broker::Status basic_reject(broker::ChannelKey key, std::uint64_t delivery_tag, bool requeue) override {
    return broker_.basic_reject(key, delivery_tag, requeue);
  }
  broker::Status confirm_select(broker::ChannelKey key) override { return broker_.confirm_select(key); }

  bool restart_broker() override {
    broker_.restart();
    return true;
  }

 private:
  broker::Broker& broker_;
};

}  // namespace brokersim::scenario
