#pragma once
// One client's AMQP 0-9-1 connection as a state machine over the broker: bytes in, broker
// calls, bytes out. It does no I/O and owns no clock (heartbeats run on the broker's
// scheduler), so the TCP server in net/ only moves bytes and tests can drive it directly.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "amqp/method.h"
#include "amqp/users.h"
#include "broker/broker.h"
#include "sim/scheduler.h"

namespace brokersim::amqp {

struct ConnectionSettings {
  // What the server offers in connection.tune (RabbitMQ 3.10's defaults).
  std::uint16_t channel_max = 2047;
  std::uint32_t frame_max = 131072;
  std::uint16_t heartbeat_s = 60;
  // A client must finish the handshake within this, as in RabbitMQ.
  sim::TimeUs handshake_timeout_us = 10'000'000;
  std::string peer = "127.0.0.1";  // for names and logs
  bool peer_is_loopback = true;
};

class Connection final : public broker::ConnectionListener {
 public:
  Connection(broker::Broker& broker, sim::Scheduler& scheduler, const Users& users, ConnectionSettings settings);
  // A connection dropped without a close handshake still releases everything in the broker:
  // unacked messages go back to their queues, redelivered.
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Handles every complete frame in `bytes` and returns how many bytes it used; the caller
  // keeps the rest and offers it again with more.
  std::size_t feed(std::string_view bytes);
  // Bytes waiting to be sent; the caller erases what it wrote.
  std::string& output() { return output_; }
  // The socket should close once output() is flushed.
  bool finished() const { return phase_ == Phase::kFinished; }
  // The close handshake has begun: what the client still sends is read and dropped.
  bool closing_or_finished() const { return phase_ == Phase::kClosing || phase_ == Phase::kFinished; }
  // Set while a memory alarm is on: publishing connections stop being read.
  void set_blocked(bool blocked);
  // As RabbitMQ, only a running connection is blocked: a closing one is still read.
  bool reading_paused() const { return blocked_ && has_published_ && phase_ == Phase::kRunning; }
  // The last feed() answered a request of the client's (a *-ok, get-ok or get-empty): the client
  // is likely waiting for that reply before it sends more.
  bool answered_request() const { return answered_request_; }

  // Named after the client's connection_name or product, as the GUI and logs show it.
  const std::string& display_name() const { return display_name_; }
  std::optional<broker::ConnectionId> broker_connection() const { return broker_id_; }
  // Why the connection ended, for the server's log; empty while it runs or after a clean close.
  const std::string& close_reason() const { return close_reason_; }

  // Called whenever output grows outside feed() (deliveries caused by other connections,
  // heartbeats), so the server knows to flush.
  std::function<void()> on_output;

  // --- broker::ConnectionListener
  void on_deliver(const broker::Delivery& delivery) override;
  void on_return(const broker::Return& ret) override;
  void on_confirm(const broker::Confirm& confirm) override;
  void on_consumer_cancelled(std::uint16_t channel, const std::string& consumer_tag) override;

 private:
  enum class Phase { kProtocolHeader, kStartOk, kTuneOk, kOpen, kRunning, kClosing, kFinished };
  struct ChannelState {
    // Closing: we sent channel.close and wait for close-ok, or the client closed the channel in
    // the frames being read, which still go to it (forget_after_read). Methods are dropped.
    bool closing = false;
    bool forget_after_read = false;
    // A basic.publish whose content is arriving: header expected, then body frames.
    bool awaiting_header = false;
    bool awaiting_body = false;
    std::uint64_t body_remaining = 0;
    broker::Publish publish;
  };

  // While a broker call whose reply is ours to send runs (basic.consume, qos, recover), the
  // frames it pushes (deliveries) wait, so the reply goes out first as the protocol requires:
  // hold, make the call, stop_holding(), send the reply; the held frames follow at scope end.
  class ReplyFirst {
   public:
    explicit ReplyFirst(Connection& c) : c_(c) { c_.holding_output_ = true; }
    void stop_holding() { c_.holding_output_ = false; }
    ~ReplyFirst() {
      c_.holding_output_ = false;
      c_.output_.append(c_.held_output_);
      c_.held_output_.clear();
    }
    ReplyFirst(const ReplyFirst&) = delete;
    ReplyFirst& operator=(const ReplyFirst&) = delete;

   private:
    Connection& c_;
  };

  void handle_frame(std::uint8_t type, std::uint16_t channel, std::string_view payload);
  void handle_handshake(const Method& method);
  void handle_connection_method(const Method& method);
  void handle_channel_method(std::uint16_t channel, ChannelState& state, const Method& method);
  void handle_closing_channel_method(std::uint16_t channel, ChannelState& state, const Method& method);
  // handle_channel_method's share of the work, by method class.
  void handle_channel_class(std::uint16_t channel, ChannelState& state, const Method& method);
  void handle_exchange_class(std::uint16_t channel, const Method& method);
  void handle_queue_class(std::uint16_t channel, const Method& method);
  void handle_basic_flow(std::uint16_t channel, ChannelState& state, const Method& method);  // qos, consume, publish
  void handle_basic_settle(std::uint16_t channel, const Method& method);  // get, ack, nack, reject, recover
  void handle_confirm_and_tx(std::uint16_t channel, const Method& method);
  void handle_content_header(std::uint16_t channel, ChannelState& state, std::string_view payload);
  void handle_content_body(std::uint16_t channel, ChannelState& state, std::string_view payload);
  void finish_publish(std::uint16_t channel, ChannelState& state);
  void handle_start_ok(const Method& method);
  void handle_tune_ok(const Method& method);
  void handle_open(const Method& method);

  void send_method(std::uint16_t channel, const Method& method);
  void send_content(std::uint16_t channel, std::string_view method_payload, const broker::Message& message);
  // A soft error: the broker has closed the channel; tell the client.
  void close_channel(std::uint16_t channel, const broker::Error& error, std::uint32_t cause);
  // A hard error: close the connection with RabbitMQ's code, then wait for close-ok.
  void close_connection(const broker::Error& error, std::uint32_t cause);
  // Ends without a handshake (bad protocol header, missed heartbeats, auth before tune).
  void abort(std::string reason);
  // Says nothing and drops the socket 3 s later, as RabbitMQ does for errors before tune-ok.
  void close_silently(std::string reason);
  // Enters the closing phase: frames are dropped until close-ok, the client's own close of the
  // socket, or the timeout.
  void enter_closing(sim::TimeUs timeout_us);
  // Finishes within this time, or sooner if already due.
  void finish_within(sim::TimeUs timeout_us);
  // RabbitMQ's wait for a closing client: the heartbeat interval if under 30 s, else 30 s.
  sim::TimeUs closing_timeout_us() const;
  // A method frame that does not decode: as RabbitMQ, 501 "cannot decode <<...>>", or a dropped
  // socket for an unknown class or method.
  void fail_decode(const MethodDecode& decoded, std::string_view payload);
  // A broker call's status: on error, the matching channel.close or connection.close.
  bool check(std::uint16_t channel, const broker::Status& status, std::uint32_t cause);
  template <typename T>
  bool check(std::uint16_t channel, const broker::Result<T>& result, std::uint32_t cause);
  broker::ChannelKey key(std::uint16_t channel) const { return {*broker_id_, channel}; }

  void start_heartbeats();
  void heartbeat_tick();
  void notify_output();

  broker::Broker& broker_;
  sim::Scheduler& scheduler_;
  const Users& users_;
  ConnectionSettings settings_;
  Phase phase_ = Phase::kProtocolHeader;
  std::optional<broker::ConnectionId> broker_id_;
  std::string display_name_;
  std::string user_;  // the authenticated user, for the user_id property check
  std::string close_reason_;
  broker::FieldTable client_properties_;
  bool client_wants_blocked_notifications_ = false;

  std::uint16_t channel_max_ = 0;
  std::uint32_t frame_max_ = 0;
  std::uint16_t heartbeat_s_ = 0;
  std::map<std::uint16_t, ChannelState> channels_;

  std::string output_;
  // Frames held while a ReplyFirst scope is open.
  std::string held_output_;
  bool holding_output_ = false;
  bool blocked_ = false;
  bool blocked_sent_ = false;
  bool has_published_ = false;
  bool answered_request_ = false;
  bool discarding_input_ = false;  // after an unreadable frame while closing: nothing more is parsed

  // Heartbeats: bytes seen at the last tick, to tell whether traffic flowed since.
  std::uint64_t bytes_received_ = 0;
  std::uint64_t bytes_sent_total_ = 0;
  std::uint64_t received_at_last_tick_ = 0;
  std::uint64_t sent_at_last_tick_ = 0;
  int silent_ticks_ = 0;
  std::uint64_t heartbeat_ticks_ = 0;  // half-interval ticks since open
  std::optional<sim::TimerId> timer_;  // the handshake's or the close's deadline
  std::optional<sim::TimeUs> close_deadline_us_;
  std::optional<sim::TimerId> heartbeat_timer_;
};

}  // namespace brokersim::amqp
