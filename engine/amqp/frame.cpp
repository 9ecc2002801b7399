#include "amqp/frame.h"

#include <algorithm>

#include "amqp/byte_io.h"

namespace brokersim::amqp {

namespace {

// A payload as Erlang's ~p prints a binary: <<"text">> when every byte is printable, else
// <<0,20,0,10>>. RabbitMQ shows at most the first 16 bytes.
std::string erlang_binary(std::string_view bytes) {
  const bool printable = std::all_of(bytes.begin(), bytes.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 32 && u <= 126) || c == '\n' || c == '\t' || c == '\r';
  });
  std::string out = "<<";
  if (printable && !bytes.empty()) {
    out += '"';
    for (char c : bytes) {
      if (c == '"' || c == '\\') out += '\\';
      if (c == '\n') out += "\\n";
      else if (c == '\t') out += "\\t";
      else if (c == '\r') out += "\\r";
      else out += c;
    }
    out += '"';
  } else {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      if (i > 0) out += ',';
      out += std::to_string(static_cast<unsigned char>(bytes[i]));
    }
  }
  return out + ">>";
}

// RabbitMQ's frame error text: "type T, all octets = <<...>>: reason" (or "first octets").
broker::Error frame_error(std::uint8_t type, std::string_view payload, const std::string& reason) {
  constexpr std::size_t kSnippet = 16;
  const bool all = payload.size() <= kSnippet;
  return broker::make_error(broker::ReplyCode::kFrameError,
                            "type " + std::to_string(type) + ", " + (all ? "all" : "first") +
                                " octets = " + erlang_binary(payload.substr(0, kSnippet)) + ": " + reason);
}

}  // namespace

FrameDecode decode_frame(std::string_view bytes, std::uint32_t frame_max) {
  FrameDecode result;
  if (bytes.size() < 7) return result;
  ByteReader header(bytes.substr(0, 7));
  const std::uint8_t type = header.u8();
  const std::uint16_t channel = header.u16();
  const std::uint32_t size = header.u32();
  auto fail = [&](broker::Error error) {
    result.status = FrameDecode::Status::kError;
    result.error = std::move(error);
    return result;
  };
  if (frame_max != 0 && static_cast<std::uint64_t>(size) + kFrameOverhead > frame_max) {
    return fail(frame_error(type, {}, "{frame_too_large," + std::to_string(size) + "," +
                                          std::to_string(frame_max - kFrameOverhead) + "}"));
  }
  const std::uint64_t total = static_cast<std::uint64_t>(size) + kFrameOverhead;
  if (bytes.size() < total) return result;
  const std::string_view payload = bytes.substr(7, size);
  const auto end = static_cast<std::uint8_t>(bytes[total - 1]);
  if (end != kFrameEnd) return fail(frame_error(type, payload, "{invalid_frame_end_marker," + std::to_string(end) + "}"));
  // An unknown type is read whole first, as RabbitMQ does (so "AMQP" mid-stream is type 65).
  if (type != 1 && type != 2 && type != 3 && type != 8) return fail(frame_error(type, payload, "unknown_frame"));
  result.status = FrameDecode::Status::kFrame;
  result.frame.type = static_cast<FrameType>(type);
  result.frame.channel = channel;
  result.frame.payload.assign(payload);
  result.consumed = total;
  return result;
}

void encode_frame(std::string& out, FrameType type, std::uint16_t channel, std::string_view payload) {
  ByteWriter w(out);
  w.u8(static_cast<std::uint8_t>(type));
  w.u16(channel);
  w.u32(static_cast<std::uint32_t>(payload.size()));
  w.bytes(payload);
  w.u8(kFrameEnd);
}

void encode_heartbeat(std::string& out) { encode_frame(out, FrameType::kHeartbeat, 0, {}); }

}  // namespace brokersim::amqp
