#include "net/amqp_client_connection.h"

#include <poll.h>

#include <asio.hpp>

#include "amqp/frame.h"
#include "amqp/method_args.h"

namespace brokersim::net {

struct AmqpClientConnection::Socket {
  explicit Socket(asio::io_context& io) : socket(io) {}
  asio::ip::tcp::socket socket;
};

AmqpClientConnection::AmqpClientConnection() : io_(std::make_unique<asio::io_context>()) {}
AmqpClientConnection::~AmqpClientConnection() = default;

int AmqpClientConnection::native_handle() const { return socket_ ? static_cast<int>(socket_->socket.native_handle()) : -1; }

void AmqpClientConnection::fail(std::string why) {
  if (!alive_ && !failure_.empty()) return;
  alive_ = false;
  failure_ = std::move(why);
}

void AmqpClientConnection::drop() {
  if (socket_) {
    asio::error_code ignored;
    socket_->socket.close(ignored);
  }
  alive_ = false;
  if (failure_.empty()) failure_ = "closed";
}

std::optional<std::string> AmqpClientConnection::open(const AmqpUrl& url, const std::string& connection_name,
                                                      std::chrono::milliseconds timeout) {
  socket_ = std::make_unique<Socket>(*io_);
  asio::error_code error = asio::error::timed_out;
  asio::ip::tcp::resolver resolver(*io_);
  const auto endpoints = resolver.resolve(url.host, std::to_string(url.port), error);
  if (error) return "cannot resolve " + url.host + ": " + error.message();
  error = asio::error::timed_out;
  asio::async_connect(socket_->socket, endpoints, [&](const asio::error_code& e, const auto&) { error = e; });
  io_->run_for(timeout);
  if (error) {
    drop();
    return "cannot reach " + url.host + ":" + std::to_string(url.port) + ": " + error.message();
  }
  socket_->socket.set_option(asio::ip::tcp::no_delay(true));
  socket_->socket.non_blocking(true);
  alive_ = true;
  failure_.clear();
  std::string why;
  if (!handshake(url, connection_name, timeout, why)) {
    drop();
    return why;
  }
  return std::nullopt;
}

bool AmqpClientConnection::handshake(const AmqpUrl& url, const std::string& connection_name,
                                     std::chrono::milliseconds timeout, std::string& error) {
  write(std::string(amqp::kProtocolHeader));
  auto start = next_method(timeout);
  if (!start || start->method.id() != amqp::kConnectionStart) {
    error = "no AMQP 0-9-1 greeting from the broker" + (failure_.empty() ? std::string() : " (" + failure_ + ")");
    return false;
  }
  broker::FieldTable capabilities = {{"authentication_failure_close", true}, {"consumer_cancel_notify", true},
                                     {"basic.nack", true}, {"publisher_confirms", true},
                                     {"exchange_exchange_bindings", true}};
  broker::FieldTable properties = {{"product", "brokersim"}, {"connection_name", connection_name},
                                   {"capabilities", std::move(capabilities)}};
  const std::string response = std::string(1, '\0') + url.user + std::string(1, '\0') + url.password;
  send(0, amqp::Method::make(amqp::kConnectionStartOk, {std::move(properties), std::string("PLAIN"), response,
                                                        std::string("en_US")}));
  auto reply = next_method(timeout);
  if (reply && reply->method.id() == amqp::kConnectionTune) {
    const auto tune = amqp::args_of<amqp::kConnectionTune>(reply->method);
    const auto server_frame_max = static_cast<std::uint32_t>(tune.number<"frame-max">());
    if (server_frame_max != 0 && server_frame_max < frame_max_) frame_max_ = server_frame_max;
    const std::uint64_t channel_max = tune.number<"channel-max">();
    send(0, amqp::Method::make(amqp::kConnectionTuneOk, {channel_max, std::uint64_t{frame_max_}, std::uint64_t{0}}));
    send(0, amqp::Method::make(amqp::kConnectionOpen, {url.vhost, std::string(), std::uint64_t{0}}));
    reply = next_method(timeout);
  }
  if (reply && reply->method.id() == amqp::kConnectionOpenOk) return true;
  if (reply && reply->method.id() == amqp::kConnectionClose) {
    const auto close = amqp::args_of<amqp::kConnectionClose>(reply->method);
    error = "the broker refused the login: " + std::to_string(close.number<"reply-code">()) + " " + close.text<"reply-text">();
    send(0, amqp::Method::make(amqp::kConnectionCloseOk));
    return false;
  }
  error = "the broker closed the connection during the handshake" + (failure_.empty() ? std::string() : " (" + failure_ + ")");
  return false;
}

void AmqpClientConnection::write(const std::string& bytes) {
  if (!alive_) return;
  // The socket is non-blocking for reads; writes wait until the kernel took everything, but
  // not for ever: a broker that stops reading (a memory alarm, a hung node) ends the run.
  std::size_t written = 0;
  int stalled_seconds = 0;
  while (written < bytes.size()) {
    asio::error_code error;
    written += socket_->socket.write_some(asio::buffer(bytes.data() + written, bytes.size() - written), error);
    if (error == asio::error::would_block || error == asio::error::try_again) {
      pollfd fd{native_handle(), POLLOUT, 0};
      if (::poll(&fd, 1, 1000) == 0 && ++stalled_seconds >= 10) return fail("the broker stopped reading for 10 s");
      continue;
    }
    if (error) return fail("write failed: " + error.message());
  }
}

void AmqpClientConnection::send(std::uint16_t channel, const amqp::Method& method) {
  std::string payload;
  amqp::encode_method(payload, method);
  std::string frame;
  amqp::encode_frame(frame, amqp::FrameType::kMethod, channel, payload);
  write(frame);
}

void AmqpClientConnection::send_with_content(std::uint16_t channel, const amqp::Method& method,
                                             const broker::BasicProperties& properties, std::string_view body) {
  std::string payload;
  amqp::encode_method(payload, method);
  std::string frames;
  amqp::encode_frame(frames, amqp::FrameType::kMethod, channel, payload);
  payload.clear();
  amqp::encode_content_header(payload, {60, body.size(), properties});
  amqp::encode_frame(frames, amqp::FrameType::kHeader, channel, payload);
  const std::size_t chunk = frame_max_ - amqp::kFrameOverhead;
  for (std::size_t at = 0; at < body.size(); at += chunk) {
    amqp::encode_frame(frames, amqp::FrameType::kBody, channel, body.substr(at, chunk));
  }
  write(frames);
}

void AmqpClientConnection::receive(std::vector<IncomingMethod>& out, std::chrono::microseconds wait) {
  if (!early_.empty()) {
    for (auto& m : early_) out.push_back(std::move(m));
    early_.clear();
    wait = std::chrono::microseconds(0);
  }
  read_into(out, wait);
}

void AmqpClientConnection::read_into(std::vector<IncomingMethod>& out, std::chrono::microseconds wait) {
  if (!alive_) return;
  pollfd fd{native_handle(), POLLIN, 0};
  const timespec timeout{static_cast<time_t>(wait.count() / 1000000), static_cast<long>(wait.count() % 1000000) * 1000};
  if (::ppoll(&fd, 1, &timeout, nullptr) <= 0) return;
  char buffer[65536];
  for (;;) {
    asio::error_code error;
    const std::size_t n = socket_->socket.read_some(asio::buffer(buffer), error);
    if (error == asio::error::would_block || error == asio::error::try_again) break;
    if (error) {
      fail(error == asio::error::eof ? "the broker closed the socket" : "read failed: " + error.message());
      break;
    }
    inbox_.append(buffer, n);
    if (n < sizeof buffer) break;
  }
  parse(out);
}

void AmqpClientConnection::parse(std::vector<IncomingMethod>& out) {
  std::size_t used = 0;
  for (;;) {
    const auto decoded = amqp::decode_frame(std::string_view(inbox_).substr(used), frame_max_ + amqp::kFrameOverhead);
    if (decoded.status == amqp::FrameDecode::Status::kNeedMore) break;
    if (decoded.status == amqp::FrameDecode::Status::kError) {
      fail("a malformed frame from the broker: " + decoded.error.text);
      break;
    }
    used += decoded.consumed;
    take_frame(decoded.frame.channel, static_cast<std::uint8_t>(decoded.frame.type), decoded.frame.payload, out);
  }
  inbox_.erase(0, used);
}

void AmqpClientConnection::take_frame(std::uint16_t channel, std::uint8_t type, std::string_view payload,
                                      std::vector<IncomingMethod>& out) {
  using amqp::FrameType;
  if (type == static_cast<std::uint8_t>(FrameType::kHeartbeat)) return;
  if (type == static_cast<std::uint8_t>(FrameType::kMethod)) {
    auto decoded = amqp::decode_method(payload);
    if (!decoded.ok) return fail("a method from the broker we cannot decode");
    IncomingMethod in{channel, std::move(decoded.method), {}, {}};
    if (!in.method.spec->has_content) return out.push_back(std::move(in));
    assembling_ = std::move(in);
    header_seen_ = false;
    return;
  }
  if (!assembling_) return fail("content from the broker without a method");
  if (type == static_cast<std::uint8_t>(FrameType::kHeader)) {
    auto header = amqp::decode_content_header(payload);
    if (!header.ok) return fail("a content header from the broker we cannot decode");
    assembling_->header = std::move(header.header);
    header_seen_ = true;
  } else {
    assembling_->body.append(payload);
  }
  if (header_seen_ && assembling_->body.size() >= assembling_->header.body_size) {
    out.push_back(std::move(*assembling_));
    assembling_.reset();
  }
}

std::optional<IncomingMethod> AmqpClientConnection::next_method(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (early_.empty() && alive_) {
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    read_into(early_, left);
  }
  if (early_.empty()) return std::nullopt;
  IncomingMethod first = std::move(early_.front());
  early_.erase(early_.begin());
  return first;
}

}  // namespace brokersim::net
