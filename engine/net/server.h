#pragma once
// The real AMQP port: a TCP server (standalone Asio) that moves bytes between sockets and
// amqp::Connection state machines. One thread runs everything, the broker included (DESIGN
// rule 1); the broker's scheduler follows the wall clock, so TTLs, x-expires, heartbeats and
// simulated actors fire in real time.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "amqp/connection.h"
#include "amqp/users.h"
#include "broker/broker.h"
#include "sim/scheduler.h"

namespace brokersim::net {

struct ListenAddress {
  std::string host;  // "127.0.0.1", "::1", "0.0.0.0"
  std::uint16_t port = 5672;
  // The default IPv6 loopback listener is optional: a machine without IPv6 still serves IPv4.
  bool required = true;
};

// "127.0.0.1:5672", "[::1]:5672" or ":5672"; nullopt-like empty host on a bad string.
bool parse_listen_address(const std::string& text, ListenAddress& out, std::string& error);

struct ServerOptions {
  std::vector<ListenAddress> listen;
  amqp::ConnectionSettings connection;  // peer fields are filled in per connection
  // Past this many bytes held in queues and socket buffers, publishers are blocked
  // (connection.blocked) until usage falls below it again.
  std::uint64_t memory_high_watermark_bytes = 1ull << 30;
  // Log lines (connections, errors); the default writes to stderr.
  std::function<void(const std::string&)> log;
};

class Server {
 public:
  Server(broker::Broker& broker, sim::Scheduler& scheduler, const amqp::Users& users, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every listen address; returns false (and logs why) if one cannot be bound.
  bool start();
  // The ports actually bound, in listen order (port 0 asks the OS for a free one).
  std::vector<std::uint16_t> bound_ports() const;
  // Runs until stop() or SIGINT/SIGTERM (when handle_signals).
  void run(bool handle_signals);
  // For a front end with a loop of its own (the GUI): handles whatever is ready on the
  // sockets and whatever fell due on the broker's scheduler, without blocking. Call it every
  // frame from the thread that owns the broker.
  void poll();
  // Safe to call from a signal-handling context inside run(), or from the run thread.
  void stop();
  std::size_t connection_count() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace brokersim::net
