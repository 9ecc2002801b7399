#pragma once
// AMQP frames: type, channel, payload, end octet 0xCE. Decoding is pure: given bytes it
// returns a frame and how many bytes it used, "need more" for a partial frame (nothing
// used), or the frame error RabbitMQ would close the connection with.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "broker/reply_code.h"

namespace brokersim::amqp {

enum class FrameType : std::uint8_t { kMethod = 1, kHeader = 2, kBody = 3, kHeartbeat = 8 };

inline constexpr std::string_view kProtocolHeader{"AMQP\x00\x00\x09\x01", 8};
inline constexpr std::uint8_t kFrameEnd = 0xCE;
inline constexpr std::size_t kFrameOverhead = 8;  // 7-byte header + end octet
// The smallest frame_max a peer may ask for (AMQP 0-9-1 section 4.2.3).
inline constexpr std::uint32_t kFrameMinSize = 4096;

struct Frame {
  FrameType type = FrameType::kMethod;
  std::uint16_t channel = 0;
  std::string payload;
  bool operator==(const Frame&) const = default;
};

struct FrameDecode {
  enum class Status { kFrame, kNeedMore, kError };
  Status status = Status::kNeedMore;
  Frame frame;
  std::size_t consumed = 0;
  broker::Error error;
};

// `frame_max` bounds the whole frame (header and end octet included), as negotiated.
FrameDecode decode_frame(std::string_view bytes, std::uint32_t frame_max);
void encode_frame(std::string& out, FrameType type, std::uint16_t channel, std::string_view payload);
void encode_heartbeat(std::string& out);

}  // namespace brokersim::amqp
