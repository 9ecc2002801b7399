#include "amqp/content_header.h"

#include "amqp/byte_io.h"
#include "amqp/field_codec.h"

namespace brokersim::amqp {
namespace {

// Flag bits, highest first, in the order the properties follow on the wire.
enum PropertyFlag : std::uint16_t {
  kContentType = 1u << 15,
  kContentEncoding = 1u << 14,
  kHeaders = 1u << 13,
  kDeliveryMode = 1u << 12,
  kPriority = 1u << 11,
  kCorrelationId = 1u << 10,
  kReplyTo = 1u << 9,
  kExpiration = 1u << 8,
  kMessageId = 1u << 7,
  kTimestamp = 1u << 6,
  kType = 1u << 5,
  kUserId = 1u << 4,
  kAppId = 1u << 3,
  kClusterId = 1u << 2,
  kContinuation = 1u << 0,  // more flag words follow; basic never needs them
};

}  // namespace

void encode_properties(std::string& out, const broker::BasicProperties& p) {
  ByteWriter w(out);
  std::uint16_t flags = 0;
  if (p.content_type) flags |= kContentType;
  if (p.content_encoding) flags |= kContentEncoding;
  if (p.headers) flags |= kHeaders;
  if (p.delivery_mode) flags |= kDeliveryMode;
  if (p.priority) flags |= kPriority;
  if (p.correlation_id) flags |= kCorrelationId;
  if (p.reply_to) flags |= kReplyTo;
  if (p.expiration) flags |= kExpiration;
  if (p.message_id) flags |= kMessageId;
  if (p.timestamp) flags |= kTimestamp;
  if (p.type) flags |= kType;
  if (p.user_id) flags |= kUserId;
  if (p.app_id) flags |= kAppId;
  if (p.cluster_id) flags |= kClusterId;
  w.u16(flags);
  if (p.content_type) w.short_string(*p.content_type);
  if (p.content_encoding) w.short_string(*p.content_encoding);
  if (p.headers) write_table(w, *p.headers);
  if (p.delivery_mode) w.u8(*p.delivery_mode);
  if (p.priority) w.u8(*p.priority);
  if (p.correlation_id) w.short_string(*p.correlation_id);
  if (p.reply_to) w.short_string(*p.reply_to);
  if (p.expiration) w.short_string(*p.expiration);
  if (p.message_id) w.short_string(*p.message_id);
  if (p.timestamp) w.u64(*p.timestamp);
  if (p.type) w.short_string(*p.type);
  if (p.user_id) w.short_string(*p.user_id);
  if (p.app_id) w.short_string(*p.app_id);
  if (p.cluster_id) w.short_string(*p.cluster_id);
}

void encode_content_header(std::string& out, const ContentHeader& header) {
  ByteWriter w(out);
  w.u16(header.class_id);
  w.u16(0);  // weight, unused
  w.u64(header.body_size);
  encode_properties(out, header.properties);
}

ContentHeaderDecode decode_content_header(std::string_view payload) {
  ContentHeaderDecode result;
  ByteReader in(payload);
  ContentHeader& h = result.header;
  h.class_id = in.u16();
  in.u16();  // weight
  h.body_size = in.u64();
  std::uint16_t flags = in.u16();
  // Further flag words carry nothing for class basic; skip them.
  for (std::uint16_t more = flags; (more & kContinuation) && !in.failed();) more = in.u16();
  broker::BasicProperties& p = h.properties;
  auto short_string = [&] { return std::string(in.short_string()); };
  if (flags & kContentType) p.content_type = short_string();
  if (flags & kContentEncoding) p.content_encoding = short_string();
  if (flags & kHeaders) p.headers = read_table(in);
  if (flags & kDeliveryMode) p.delivery_mode = in.u8();
  if (flags & kPriority) p.priority = in.u8();
  if (flags & kCorrelationId) p.correlation_id = short_string();
  if (flags & kReplyTo) p.reply_to = short_string();
  if (flags & kExpiration) p.expiration = short_string();
  if (flags & kMessageId) p.message_id = short_string();
  if (flags & kTimestamp) p.timestamp = in.u64();
  if (flags & kType) p.type = short_string();
  if (flags & kUserId) p.user_id = short_string();
  if (flags & kAppId) p.app_id = short_string();
  if (flags & kClusterId) p.cluster_id = short_string();
  result.ok = !in.failed();
  return result;
}

}  // namespace brokersim::amqp
