#include "amqp/frame.h"

#include "amqp/byte_io.h"

namespace brokersim::amqp {

FrameDecode decode_frame(std::string_view bytes, std::uint32_t frame_max) {
  FrameDecode result;
  if (bytes.size() < 7) return result;
  ByteReader header(bytes.substr(0, 7));
  const std::uint8_t type = header.u8();
  const std::uint16_t channel = header.u16();
  const std::uint32_t size = header.u32();
  auto fail = [&](std::string detail) {
    result.status = FrameDecode::Status::kError;
    result.error = broker::make_error(broker::ReplyCode::kFrameError, detail);
    return result;
  };
  if (type != 1 && type != 2 && type != 3 && type != 8) {
    // RabbitMQ reads an "AMQP" header mid-stream as an unknown frame type 'A' too.
    return fail("type " + std::to_string(type) + ", all octets = <<>>: {invalid_frame_type," +
                std::to_string(type) + "}");
  }
  if (frame_max != 0 && static_cast<std::uint64_t>(size) + kFrameOverhead > frame_max) {
    return fail("type " + std::to_string(type) + ", all octets = <<>>: {frame_too_large," + std::to_string(size) +
                "," + std::to_string(frame_max - kFrameOverhead) + "}");
  }
  const std::uint64_t total = static_cast<std::uint64_t>(size) + kFrameOverhead;
  if (bytes.size() < total) return result;
  if (static_cast<std::uint8_t>(bytes[total - 1]) != kFrameEnd) {
    return fail("type " + std::to_string(type) + ", all octets = <<>>: frame_end_marker_missing");
  }
  result.status = FrameDecode::Status::kFrame;
  result.frame.type = static_cast<FrameType>(type);
  result.frame.channel = channel;
  result.frame.payload.assign(bytes.substr(7, size));
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
