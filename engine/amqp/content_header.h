#pragma once
// The content header frame: class, body size and the 14 basic properties, each present only
// when its flag bit is set.
#include <cstdint>
#include <string>
#include <string_view>

#include "broker/message.h"

namespace brokersim::amqp {

struct ContentHeader {
  std::uint16_t class_id = 60;
  std::uint64_t body_size = 0;
  broker::BasicProperties properties;
};

struct ContentHeaderDecode {
  bool ok = false;
  ContentHeader header;
};

ContentHeaderDecode decode_content_header(std::string_view payload);
void encode_content_header(std::string& out, const ContentHeader& header);
// Encodes just the property flags and list (the tail of a content header).
void encode_properties(std::string& out, const broker::BasicProperties& properties);

}  // namespace brokersim::amqp
