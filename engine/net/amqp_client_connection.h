#pragma once
// One client connection to a real AMQP broker, on our own codec over an Asio socket: the
// handshake (PLAIN login, tune, open), methods out, and whole methods in (a deliver, return or
// get-ok arrives with its content header and body joined to it). It never blocks on the network
// for longer than it is told: many of these share one thread, which polls them all.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "amqp/content_header.h"
#include "amqp/method.h"
#include "net/amqp_url.h"

namespace asio {
class io_context;
}

namespace brokersim::net {

// A method from the broker, with its content when it carries one.
struct IncomingMethod {
  std::uint16_t channel = 0;
  amqp::Method method;
  amqp::ContentHeader header;
  std::string body;
};

class AmqpClientConnection {
 public:
  AmqpClientConnection();
  ~AmqpClientConnection();
  AmqpClientConnection(const AmqpClientConnection&) = delete;
  AmqpClientConnection& operator=(const AmqpClientConnection&) = delete;

  // Connects and logs in. nullopt when open, else why not, in one line.
  std::optional<std::string> open(const AmqpUrl& url, const std::string& connection_name,
                                  std::chrono::milliseconds timeout);
  bool alive() const { return alive_; }
  // Why the connection is gone (socket error, end of stream).
  const std::string& failure() const { return failure_; }
  int native_handle() const;

  void send(std::uint16_t channel, const amqp::Method& method);
  void send_with_content(std::uint16_t channel, const amqp::Method& method, const broker::BasicProperties& properties,
                         std::string_view body);
  // Takes what the socket holds now, waiting up to `wait` for the first bytes, and appends every
  // complete method to `out`.
  void receive(std::vector<IncomingMethod>& out, std::chrono::microseconds wait);
  // Waits for one method on any channel (the handshake, a synchronous reply), up to `timeout`.
  std::optional<IncomingMethod> next_method(std::chrono::milliseconds timeout);
  // Drops the socket without a word (after connection.close-ok, or to simulate a crash).
  void drop();

 private:
  bool handshake(const AmqpUrl& url, const std::string& connection_name, std::chrono::milliseconds timeout,
                 std::string& error);
  void read_into(std::vector<IncomingMethod>& out, std::chrono::microseconds wait);
  void write(const std::string& bytes);
  void parse(std::vector<IncomingMethod>& out);
  void take_frame(std::uint16_t channel, std::uint8_t type, std::string_view payload, std::vector<IncomingMethod>& out);
  void fail(std::string why);

  struct Socket;
  std::unique_ptr<asio::io_context> io_;
  std::unique_ptr<Socket> socket_;
  std::string inbox_;
  std::uint32_t frame_max_ = 131072;
  bool alive_ = false;
  std::string failure_;
  // A method with content, waiting for its header and body frames.
  std::optional<IncomingMethod> assembling_;
  bool header_seen_ = false;
  std::vector<IncomingMethod> early_;  // methods next_method read past
};

}  // namespace brokersim::net
