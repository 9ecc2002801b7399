#pragma once
// Speaks AMQP to an amqp::Connection through bytes only, as a socket client would, and reads
// back what the server wrote frame by frame. No sockets: the connection is fed directly.
#include <deque>
#include <string>
#include <vector>

#include "amqp/connection.h"
#include "amqp/content_header.h"
#include "amqp/frame.h"
#include "amqp/method.h"
#include "broker_fixture.h"

namespace brokersim::testing {

struct ServerFrame {
  amqp::FrameType type;
  std::uint16_t channel;
  std::string payload;
  std::optional<amqp::Method> method;  // for method frames
};

inline std::string client_method(std::uint16_t channel, const amqp::Method& m) {
  std::string payload, out;
  amqp::encode_method(payload, m);
  amqp::encode_frame(out, amqp::FrameType::kMethod, channel, payload);
  return out;
}

inline std::string client_content(std::uint16_t channel, const std::string& body, std::size_t chunk = 100000,
                                  broker::BasicProperties properties = {}) {
  std::string header_payload, out;
  amqp::ContentHeader h;
  h.body_size = body.size();
  h.properties = std::move(properties);
  amqp::encode_content_header(header_payload, h);
  amqp::encode_frame(out, amqp::FrameType::kHeader, channel, header_payload);
  for (std::size_t at = 0; at < body.size(); at += chunk)
    amqp::encode_frame(out, amqp::FrameType::kBody, channel, std::string_view(body).substr(at, chunk));
  return out;
}

// Client methods the tests send often.
inline amqp::Method queue_declare(const std::string& name, bool passive = false) {
  return amqp::Method::make(amqp::kQueueDeclare, {std::uint64_t{0}, name, std::uint64_t{passive}, std::uint64_t{0},
                                                  std::uint64_t{0}, std::uint64_t{0}, std::uint64_t{0},
                                                  broker::FieldTable{}});
}
inline amqp::Method publish(const std::string& exchange, const std::string& key, bool mandatory = false) {
  return amqp::Method::make(amqp::kBasicPublish,
                            {std::uint64_t{0}, exchange, key, std::uint64_t{mandatory}, std::uint64_t{0}});
}
inline amqp::Method consume(const std::string& queue, bool no_ack) {
  return amqp::Method::make(amqp::kBasicConsume, {std::uint64_t{0}, queue, std::string(), std::uint64_t{0},
                                                  std::uint64_t{no_ack}, std::uint64_t{0}, std::uint64_t{0},
                                                  broker::FieldTable{}});
}
inline amqp::Method channel_open() { return amqp::Method::make(amqp::kChannelOpen, {std::string()}); }

// The bytes a client sends to get a connection open, as guest over PLAIN.
inline std::string client_handshake(std::uint16_t heartbeat_s = 0, std::uint32_t frame_max = 131072) {
  using namespace amqp;
  std::string out(kProtocolHeader);
  out += client_method(0, Method::make(kConnectionStartOk,
                                       {broker::FieldTable{{"product", broker::FieldValue("wire-test")}},
                                        std::string("PLAIN"), std::string("\0guest\0guest", 12), std::string("en_US")}));
  out += client_method(0, Method::make(kConnectionTuneOk, {std::uint64_t{2047}, std::uint64_t{frame_max},
                                                           std::uint64_t{heartbeat_s}}));
  out += client_method(0, Method::make(kConnectionOpen, {std::string("/"), std::string(), std::uint64_t{0}}));
  return out;
}

// Splits server output into frames; the protocol header (a refusal) shows up as raw text.
inline std::vector<ServerFrame> parse_server_output(std::string bytes) {
  std::vector<ServerFrame> frames;
  if (bytes.rfind("AMQP", 0) == 0) {
    frames.push_back({amqp::FrameType::kMethod, 0, bytes.substr(0, 8), std::nullopt});
    bytes.erase(0, 8);
  }
  std::size_t at = 0;
  while (true) {
    auto d = amqp::decode_frame(std::string_view(bytes).substr(at), 0);
    if (d.status != amqp::FrameDecode::Status::kFrame) break;
    ServerFrame f{d.frame.type, d.frame.channel, d.frame.payload, std::nullopt};
    if (f.type == amqp::FrameType::kMethod) {
      auto m = amqp::decode_method(f.payload);
      if (m.ok) f.method = m.method;
    }
    frames.push_back(std::move(f));
    at += d.consumed;
  }
  return frames;
}

struct WireWorld : World {
  amqp::Users users;
  amqp::ConnectionSettings settings;

  std::unique_ptr<amqp::Connection> connect() {
    return std::make_unique<amqp::Connection>(broker, scheduler, users, settings);
  }
  // Feeds bytes the way the server does (keeping what was not used), returns new output.
  static std::string exchange(amqp::Connection& c, std::string& pending, const std::string& bytes) {
    pending += bytes;
    pending.erase(0, c.feed(pending));
    std::string out = std::move(c.output());
    c.output().clear();
    return out;
  }
};

// The methods among frames, by name, for compact assertions.
inline std::vector<std::string> method_names(const std::vector<ServerFrame>& frames) {
  std::vector<std::string> names;
  for (const auto& f : frames)
    if (f.method) names.emplace_back(f.method->spec->name);
  return names;
}

}  // namespace brokersim::testing
