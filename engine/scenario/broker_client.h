#pragma once
// What a scenario's actors and timeline say to a broker: the AMQP methods a client sends, one
// call each. The simulation answers them from the engine's own broker (SimBrokerClient); `verify`
// and `drive` answer them from a real RabbitMQ over a socket (net::AmqpBrokerClient). The actors
// are one set of code over this interface, so the prediction and the real run cannot drift apart.
//
// Methods that wait for a reply in AMQP (declare, bind, consume, get, ...) return it. Methods
// with no reply (publish, ack, nack, reject) may fail later on a real broker: the channel.close
// then reaches the client's error handler, and the next call finds the channel gone.
#include <cstdint>
#include <optional>
#include <string>

#include "broker/broker.h"
#include "broker/listener.h"

namespace brokersim::scenario {

class BrokerClient {
 public:
  virtual ~BrokerClient() = default;

  // `role` says who opens it, for the trace of a simulated broker; a real broker is not told.
  virtual broker::ConnectionId open_connection(std::string name, broker::ConnectionListener* listener,
                                               trace::ConnectionRole role) = 0;
  virtual bool connection_open(broker::ConnectionId id) const = 0;
  virtual void close_connection(broker::ConnectionId id, broker::ReplyCode code, std::string_view text) = 0;
  virtual broker::Status channel_open(broker::ChannelKey key) = 0;
  virtual bool channel_is_open(broker::ChannelKey key) const = 0;
  virtual bool has_consumer(broker::ChannelKey key, const std::string& consumer_tag) const = 0;

  virtual broker::Status exchange_declare(broker::ChannelKey key, const broker::ExchangeDeclare& declare) = 0;
  virtual broker::Status exchange_delete(broker::ChannelKey key, const std::string& name) = 0;
  virtual broker::Status exchange_bind(broker::ChannelKey key, const std::string& destination, const std::string& source,
                                       const std::string& routing_key, const broker::FieldTable& arguments) = 0;
  virtual broker::Status exchange_unbind(broker::ChannelKey key, const std::string& destination, const std::string& source,
                                         const std::string& routing_key, const broker::FieldTable& arguments) = 0;
  virtual broker::Result<broker::QueueDeclareOk> queue_declare(broker::ChannelKey key, const broker::QueueDeclare& declare) = 0;
  virtual broker::Status queue_bind(broker::ChannelKey key, const std::string& queue, const std::string& exchange,
                                    const std::string& routing_key, const broker::FieldTable& arguments) = 0;
  virtual broker::Status queue_unbind(broker::ChannelKey key, const std::string& queue, const std::string& exchange,
                                      const std::string& routing_key, const broker::FieldTable& arguments) = 0;
  virtual broker::Result<std::uint32_t> queue_purge(broker::ChannelKey key, const std::string& queue) = 0;
  virtual broker::Result<std::uint32_t> queue_delete(broker::ChannelKey key, const std::string& queue) = 0;

  virtual broker::Status basic_qos(broker::ChannelKey key, std::uint16_t prefetch_count) = 0;
  virtual broker::Result<std::string> basic_consume(broker::ChannelKey key, const broker::Consume& consume) = 0;
  virtual broker::Status basic_cancel(broker::ChannelKey key, const std::string& consumer_tag) = 0;
  virtual broker::Status basic_publish(broker::ChannelKey key, const broker::Publish& publish) = 0;
  virtual broker::Result<std::optional<broker::GetOk>> basic_get(broker::ChannelKey key, const std::string& queue,
                                                                 bool no_ack) = 0;
  virtual broker::Status basic_ack(broker::ChannelKey key, std::uint64_t delivery_tag) = 0;
  virtual broker::Status basic_nack(broker::ChannelKey key, std::uint64_t delivery_tag, bool requeue) = 0;
  virtual broker::Status basic_reject(broker::ChannelKey key, std::uint64_t delivery_tag, bool requeue) = 0;
  virtual broker::Status confirm_select(broker::ChannelKey key) = 0;

  // The operator restarts the broker (a timeline action). False when this client cannot.
  virtual bool restart_broker() = 0;
};

}  // namespace brokersim::scenario
