#pragma once
// The scenario client for a real RabbitMQ: the same actors that play against the simulated
// broker send their methods over AMQP connections (one per actor, as real applications have),
// and the broker's pushes reach them on the wall clock. `verify` and `drive` use it.
//
// Time runs `speed` times faster than the scenario says: durations the broker enforces (queue
// TTL, x-expires, a message's expiration) are divided by it on the way out, and the pacer maps
// simulated time onto the wall clock the same way.
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "net/amqp_client_connection.h"
#include "net/amqp_url.h"
#include "scenario/broker_client.h"
#include "scenario/runner.h"

namespace brokersim::net {

// A channel or connection error the broker sent on its own (after a publish or an ack, which
// have no reply), for the actor that owns the connection.
struct AsyncError {
  sim::TimeUs time_us = 0;
  std::string who;
  broker::Error error;
};

class AmqpBrokerClient final : public scenario::BrokerClient, public scenario::Pacer {
 public:
  struct Options {
    std::vector<AmqpUrl> urls;  // connections are spread over these, in turn
    double speed = 1.0;
    std::chrono::milliseconds timeout{5000};  // for a connection or a synchronous reply
    std::string restart_command;              // run for a timeline restart; empty: cannot
  };
  explicit AmqpBrokerClient(Options options);
  ~AmqpBrokerClient() override;

  // Set once the broker stopped answering or a connection could not be made: the run stops.
  const std::optional<std::string>& lost() const { return lost_; }
  const std::vector<AsyncError>& async_errors() const { return async_errors_; }
  // Wall-clock milliseconds for a duration of the scenario's.
  std::int64_t scaled_ms(std::int64_t scenario_ms) const;
  // Closes every open connection cleanly (the end of a run).
  void close_all();
  // How many connections were opened on each of the URLs, in their order.
  const std::vector<std::size_t>& connections_per_url() const { return opened_per_url_; }
  // Connections that are open now.
  std::size_t open_connections() const;

  broker::ConnectionId open_connection(std::string name, broker::ConnectionListener* listener,
                                       trace::ConnectionRole role) override;
  bool connection_open(broker::ConnectionId id) const override;
  void close_connection(broker::ConnectionId id, broker::ReplyCode code, std::string_view text) override;
  broker::Status channel_open(broker::ChannelKey key) override;
  bool channel_is_open(broker::ChannelKey key) const override;
  bool has_consumer(broker::ChannelKey key, const std::string& consumer_tag) const override;

  broker::Status exchange_declare(broker::ChannelKey key, const broker::ExchangeDeclare& declare) override;
  broker::Status exchange_delete(broker::ChannelKey key, const std::string& name) override;
  broker::Status exchange_bind(broker::ChannelKey key, const std::string& destination, const std::string& source,
                               const std::string& routing_key, const broker::FieldTable& arguments) override;
  broker::Status exchange_unbind(broker::ChannelKey key, const std::string& destination, const std::string& source,
                                 const std::string& routing_key, const broker::FieldTable& arguments) override;
  broker::Result<broker::QueueDeclareOk> queue_declare(broker::ChannelKey key, const broker::QueueDeclare& declare) override;
  broker::Status queue_bind(broker::ChannelKey key, const std::string& queue, const std::string& exchange,
                            const std::string& routing_key, const broker::FieldTable& arguments) override;
  broker::Status queue_unbind(broker::ChannelKey key, const std::string& queue, const std::string& exchange,
                              const std::string& routing_key, const broker::FieldTable& arguments) override;
  broker::Result<std::uint32_t> queue_purge(broker::ChannelKey key, const std::string& queue) override;
  broker::Result<std::uint32_t> queue_delete(broker::ChannelKey key, const std::string& queue) override;

  broker::Status basic_qos(broker::ChannelKey key, std::uint16_t prefetch_count) override;
  broker::Result<std::string> basic_consume(broker::ChannelKey key, const broker::Consume& consume) override;
  broker::Status basic_cancel(broker::ChannelKey key, const std::string& consumer_tag) override;
  broker::Status basic_publish(broker::ChannelKey key, const broker::Publish& publish) override;
  broker::Result<std::optional<broker::GetOk>> basic_get(broker::ChannelKey key, const std::string& queue,
                                                         bool no_ack) override;
  broker::Status basic_ack(broker::ChannelKey key, std::uint64_t delivery_tag) override;
  broker::Status basic_nack(broker::ChannelKey key, std::uint64_t delivery_tag, bool requeue) override;
  broker::Status basic_reject(broker::ChannelKey key, std::uint64_t delivery_tag, bool requeue) override;
  broker::Status confirm_select(broker::ChannelKey key) override;
  bool restart_broker() override;

  bool wait_until(sim::TimeUs due_us, sim::SimClock& clock) override;
  bool stopped() const override { return lost_.has_value(); }

 private:
  struct Connection {
    std::string name;
    broker::ConnectionListener* listener = nullptr;
    std::unique_ptr<AmqpClientConnection> wire;
    std::map<std::uint16_t, std::set<std::string>> channels;  // open channels and their consumers
    std::deque<IncomingMethod> pushes;                         // for the listener, in order
  };

  Connection* find(broker::ConnectionId id);
  const Connection* find(broker::ConnectionId id) const;
  // Sends a method and waits for one of `replies` on its channel. Whatever else arrives
  // meanwhile is kept for later, in order; a channel.close or connection.close is the error.
  broker::Result<IncomingMethod> call(broker::ChannelKey key, const amqp::Method& method,
                                      std::initializer_list<std::uint32_t> replies);
  broker::Status call_status(broker::ChannelKey key, const amqp::Method& method, std::uint32_t reply);
  // A method with no reply: sent if the channel is open.
  broker::Status cast(broker::ChannelKey key, const amqp::Method& method);
  // Something the broker sent besides the reply a call waits for (on channel `waiting`, 0 for
  // the connection's own methods; nullopt when nothing waits). Returns the error that ends
  // the call: a close of its channel, or of the connection.
  std::optional<broker::Error> take(Connection& c, IncomingMethod in, std::optional<std::uint16_t> waiting);
  void connection_closed(Connection& c, const std::string& why);
  void dispatch(Connection& c, const IncomingMethod& in);
  broker::MessageRef message_of(const IncomingMethod& in, const std::string& exchange, const std::string& routing_key);
  broker::FieldTable scaled_arguments(const broker::FieldTable& arguments) const;
  sim::TimeUs wall_now_us() const;
  bool dispatch_pending(sim::TimeUs due_us, sim::SimClock& clock);
  void read_all(std::chrono::microseconds wait);

  Options options_;
  std::map<broker::ConnectionId, Connection> connections_;
  broker::ConnectionId next_id_ = 1;
  std::size_t next_url_ = 0;
  std::vector<std::size_t> opened_per_url_;
  std::optional<std::string> lost_;
  std::vector<AsyncError> async_errors_;
  std::optional<std::chrono::steady_clock::time_point> started_;
  sim::TimeUs clock_now_us_ = 0;  // the run's time as the pacer last set it
  broker::Message::Id next_message_id_ = 1;
};

}  // namespace brokersim::net
