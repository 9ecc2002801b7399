#include "net/server.h"

#include <array>
#include <asio.hpp>
#include <chrono>
#include <iostream>
#include <map>

namespace brokersim::net {
namespace {

using asio::ip::tcp;
using Steady = std::chrono::steady_clock;

std::string describe_endpoint(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  return address.is_v6() ? "[" + address.to_string() + "]:" + std::to_string(endpoint.port())
                         : address.to_string() + ":" + std::to_string(endpoint.port());
}

bool is_loopback(const asio::ip::address& address) {
  if (address.is_loopback()) return true;
  // An IPv4 client on a dual-stack socket shows up as ::ffff:127.x.y.z.
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).is_loopback();
  }
  return false;
}

}  // namespace

bool parse_listen_address(const std::string& text, ListenAddress& out, std::string& error) {
  std::string host;
  std::string port;
  if (!text.empty() && text[0] == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      error = "expected [IPv6]:PORT, got '" + text + "'";
      return false;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) {
      error = "expected HOST:PORT, got '" + text + "'";
      return false;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty()) host = "127.0.0.1";
  asio::error_code ec;
  asio::ip::make_address(host, ec);
  if (ec) {
    error = "'" + host + "' is not an IP address";
    return false;
  }
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535) {
    error = "'" + port + "' is not a port number";
    return false;
  }
  out.host = host;
  out.port = static_cast<std::uint16_t>(std::stoul(port));
  return true;
}

class Server::Impl {
  static constexpr auto kStreamGap = std::chrono::milliseconds(1);
  static constexpr auto kReadPause = std::chrono::microseconds(200);

 public:
  Impl(broker::Broker& broker, sim::Scheduler& scheduler, const amqp::Users& users, ServerOptions options)
      : broker_(broker),
        scheduler_(scheduler),
        users_(users),
        options_(std::move(options)),
        scheduler_timer_(io_),
        signals_(io_),
        started_at_(Steady::now() - std::chrono::microseconds(scheduler.now_us())) {
    if (!options_.log) options_.log = [](const std::string& line) { std::cerr << line << std::endl; };
    // Clients read wall-clock timestamps (x-death's time), as from RabbitMQ.
    const auto unix_now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    broker_.set_timestamp_epoch_us(unix_now_us - scheduler_.now_us());
  }

  struct Session {
    explicit Session(tcp::socket s) : socket(std::move(s)), read_pause(socket.get_executor()) {}
    std::uint64_t id = 0;
    tcp::socket socket;
    std::string peer;
    std::unique_ptr<amqp::Connection> connection;
    std::string input;
    std::array<char, 65536> read_buffer{};
    std::string sending;
    bool reading = false;
    bool writing = false;
    asio::steady_timer read_pause;  // see pause_or_read
    Steady::time_point last_read_at{};
    bool socket_done = false;  // read side saw EOF or an error
    bool announced = false;
  };

  bool start() {
    for (const ListenAddress& listen : options_.listen) {
      asio::error_code ec;
      const auto address = asio::ip::make_address(listen.host, ec);
      tcp::endpoint endpoint(address, listen.port);
      auto acceptor = std::make_unique<tcp::acceptor>(io_);
      acceptor->open(endpoint.protocol(), ec);
      if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec && address.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
      if (!ec) acceptor->bind(endpoint, ec);
      if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
      if (ec) {
        options_.log("cannot listen on " + describe_endpoint(endpoint) + ": " + ec.message());
        if (listen.required) return false;
        continue;
      }
      options_.log("listening on " + describe_endpoint(acceptor->local_endpoint()));
      acceptors_.push_back(std::move(acceptor));
      accept(*acceptors_.back());
    }
    arm_scheduler_timer();
    return true;
  }

  std::vector<std::uint16_t> bound_ports() const {
    std::vector<std::uint16_t> ports;
    for (const auto& a : acceptors_) ports.push_back(a->local_endpoint().port());
    return ports;
  }

  void run(bool handle_signals) {
    if (handle_signals) {
      signals_.add(SIGINT);
      signals_.add(SIGTERM);
      signals_.async_wait([this](const asio::error_code& ec, int signal) {
        if (ec) return;
        options_.log(std::string("stopping on ") + (signal == SIGINT ? "SIGINT" : "SIGTERM"));
        stop();
      });
    }
    io_.run();
  }

  void poll() {
    if (io_.stopped()) io_.restart();
    io_.poll();
    sync_time();
    after_event();
  }

  void stop() {
    asio::post(io_, [this] {
      for (auto& a : acceptors_) a->close();
      scheduler_timer_.cancel();
      signals_.cancel();
      // Closing each connection in the broker requeues its unacked messages.
      for (auto& [id, session] : sessions_) {
        asio::error_code ec;
        session->socket.close(ec);
        session->connection.reset();
      }
      sessions_.clear();
      io_.stop();
    });
  }

  std::size_t connection_count() const { return sessions_.size(); }

 private:
  sim::TimeUs wall_now_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(Steady::now() - started_at_).count();
  }

  // Brings the broker's clock up to the wall clock, running what fell due meanwhile.
  void sync_time() {
    const sim::TimeUs now = wall_now_us();
    if (now > scheduler_.now_us()) scheduler_.run_until(now);
  }

  void accept(tcp::acceptor& acceptor) {
    acceptor.async_accept([this, &acceptor](const asio::error_code& ec, tcp::socket socket) {
      if (ec) {
        if (ec != asio::error::operation_aborted) options_.log("accept failed: " + ec.message());
        if (acceptor.is_open()) accept(acceptor);
        return;
      }
      sync_time();
      open_session(std::move(socket));
      after_event();
      accept(acceptor);
    });
  }

  void open_session(tcp::socket socket) {
    asio::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    const tcp::endpoint remote = socket.remote_endpoint(ec);
    auto session = std::make_shared<Session>(std::move(socket));
    session->id = next_session_id_++;
    session->peer = ec ? std::string("unknown peer") : describe_endpoint(remote);
    amqp::ConnectionSettings settings = options_.connection;
    settings.peer = session->peer;
    settings.peer_is_loopback = !ec && is_loopback(remote.address());
    session->connection = std::make_unique<amqp::Connection>(broker_, scheduler_, users_, settings);
    session->connection->on_output = [this, id = session->id] { dirty_.push_back(id); };
    sessions_.emplace(session->id, session);
    options_.log("accepted connection from " + session->peer);
    start_read(session);
  }

  void start_read(const std::shared_ptr<Session>& session) {
    if (session->reading || session->socket_done || !session->connection) return;
    if (session->connection->finished() || session->connection->reading_paused()) return;
    session->reading = true;
    session->socket.async_read_some(
        asio::buffer(session->read_buffer), [this, session](const asio::error_code& ec, std::size_t n) {
          session->reading = false;
          if (!session->connection) return;  // closed meanwhile
          sync_time();
          if (ec) {
            session->socket_done = true;
          } else {
            session->input.append(session->read_buffer.data(), n);
            const std::size_t used = session->connection->feed(session->input);
            session->input.erase(0, used);
            flush(*session);
          }
          after_event();
          pause_or_read(session, ec ? session->read_buffer.size() : n);
        });
  }

  // A client that streams small writes (a publisher, a consumer acking each message) would wake
  // the server for every one or two messages, and on a virtual machine each wakeup costs more
  // than the messages it carries. So while reads come less than 1 ms apart and do not fill the
  // buffer, the next one waits 200 us, and one wakeup then handles the frames of that time. A
  // client that was quiet, or that just got the reply to a request (it is waiting on us, not
  // streaming), is read at once; and nothing we send is ever held back.
  void pause_or_read(const std::shared_ptr<Session>& session, std::size_t bytes_read) {
    if (session->reading || !session->connection) return;  // the memory alarm may have restarted it
    const Steady::time_point now = Steady::now();
    const bool streaming = bytes_read < session->read_buffer.size() && now - session->last_read_at < kStreamGap &&
                           !session->connection->answered_request();
    session->last_read_at = now;
    if (!streaming) return start_read(session);
    session->read_pause.expires_after(kReadPause);
    session->reading = true;  // no other read starts meanwhile
    session->read_pause.async_wait([this, session](const asio::error_code& ec) {
      if (ec == asio::error::operation_aborted) return;
      session->reading = false;
      start_read(session);
    });
  }

  void flush(Session& session) {
    if (session.writing || !session.connection) return;
    std::string& out = session.connection->output();
    if (out.empty()) {
      if (session.connection->finished()) close_socket(session);
      return;
    }
    session.sending.swap(out);
    out.clear();
    session.writing = true;
    auto self = sessions_.at(session.id);
    asio::async_write(session.socket, asio::buffer(session.sending), [this, self](const asio::error_code& ec, std::size_t) {
      self->writing = false;
      self->sending.clear();
      if (ec) self->socket_done = true;
      if (!self->connection) return;
      sync_time();
      flush(*self);
      after_event();
    });
  }

  // The client's own name and where it connects from, for the log.
  static std::string who(const Session& s) {
    const std::string& name = s.connection->display_name();
    return name == s.peer ? name : name + " (" + s.peer + ")";
  }

  void close_socket(Session& session) {
    asio::error_code ec;
    session.socket.shutdown(tcp::socket::shutdown_both, ec);
    session.socket.close(ec);
    session.socket_done = true;
  }

  // After anything happened: send what connections produced, drop dead ones, apply the memory
  // alarm, and wake up again when the broker's next timer falls due.
  void after_event() {
    while (!dirty_.empty()) {
      std::vector<std::uint64_t> ids;
      ids.swap(dirty_);
      for (std::uint64_t id : ids) {
        auto it = sessions_.find(id);
        if (it != sessions_.end()) flush(*it->second);
      }
    }
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      Session& s = *it->second;
      if (!s.announced && s.connection->broker_connection()) {
        s.announced = true;
        options_.log("connection " + who(s) + " opened");
      }
      const bool done = s.socket_done || (s.connection->finished() && !s.writing && s.connection->output().empty());
      if (done && !s.writing) {
        if (s.connection->finished() && !s.socket_done) close_socket(s);
        const std::string& reason = s.connection->close_reason();
        options_.log("connection " + who(s) + " closed" +
                     (reason.empty() ? (s.connection->closing_or_finished() ? "" : ": client went away without closing")
                                     : ": " + reason));
        s.connection.reset();  // releases everything it held in the broker
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
    // Sessions dropped above may have requeued messages that now go to other consumers.
    if (!dirty_.empty()) return after_event();
    apply_memory_alarm();
    arm_scheduler_timer();
  }

  void apply_memory_alarm() {
    std::uint64_t used = 0;
    for (const auto& [name, queue] : broker_.queues()) used += queue->ready_bytes();
    for (const auto& [id, s] : sessions_) used += s->connection->output().size() + s->sending.size() + s->input.size();
    const bool alarm = used > options_.memory_high_watermark_bytes;
    if (alarm != memory_alarm_) {
      memory_alarm_ = alarm;
      options_.log(alarm ? "memory high watermark reached (" + std::to_string(used) + " bytes): blocking publishers"
                         : "memory back below the high watermark: unblocking publishers");
      for (auto& [id, s] : sessions_) s->connection->set_blocked(alarm);
      if (!alarm) {
        for (auto& [id, s] : sessions_) start_read(s);
      }
      // set_blocked may have queued connection.blocked frames.
      for (auto& [id, s] : sessions_) flush(*s);
      dirty_.clear();
    }
  }

  void arm_scheduler_timer() {
    if (scheduler_.empty()) return;
    const sim::TimeUs due = scheduler_.next_due_us();
    if (armed_for_ && *armed_for_ == due) return;
    armed_for_ = due;
    scheduler_timer_.expires_at(started_at_ + std::chrono::microseconds(due));
    scheduler_timer_.async_wait([this](const asio::error_code& ec) {
      if (ec) return;
      armed_for_.reset();
      sync_time();
      after_event();
    });
  }

  broker::Broker& broker_;
  sim::Scheduler& scheduler_;
  const amqp::Users& users_;
  ServerOptions options_;
  asio::io_context io_;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  asio::steady_timer scheduler_timer_;
  std::optional<sim::TimeUs> armed_for_;
  asio::signal_set signals_;
  Steady::time_point started_at_;
  std::map<std::uint64_t, std::shared_ptr<Session>> sessions_;
  std::vector<std::uint64_t> dirty_;
  std::uint64_t next_session_id_ = 1;
  bool memory_alarm_ = false;
};

Server::Server(broker::Broker& broker, sim::Scheduler& scheduler, const amqp::Users& users, ServerOptions options)
    : impl_(std::make_unique<Impl>(broker, scheduler, users, std::move(options))) {}
Server::~Server() = default;
bool Server::start() { return impl_->start(); }
std::vector<std::uint16_t> Server::bound_ports() const { return impl_->bound_ports(); }
void Server::run(bool handle_signals) { impl_->run(handle_signals); }
void Server::poll() { impl_->poll(); }
void Server::stop() { impl_->stop(); }
std::size_t Server::connection_count() const { return impl_->connection_count(); }

}  // namespace brokersim::net
