#include "broker/message.h"

#include <cassert>
#include <cstdlib>
#include <cstring>
#include <new>

namespace brokersim::broker {

bool BasicProperties::empty() const {
  return !content_type && !content_encoding && !headers && !delivery_mode && !priority && !correlation_id &&
         !reply_to && !expiration && !message_id && !timestamp && !type && !user_id && !app_id && !cluster_id;
}

bool BasicProperties::operator==(const BasicProperties& o) const {
  const bool headers_same = headers.has_value() == o.headers.has_value() &&
                            (!headers || tables_equal(*headers, *o.headers));
  return headers_same && content_type == o.content_type && content_encoding == o.content_encoding &&
         delivery_mode == o.delivery_mode && priority == o.priority && correlation_id == o.correlation_id &&
         reply_to == o.reply_to && expiration == o.expiration && message_id == o.message_id &&
         timestamp == o.timestamp && type == o.type && user_id == o.user_id && app_id == o.app_id &&
         cluster_id == o.cluster_id;
}

SharedOrigin make_origin(std::shared_ptr<const std::string> exchange, BasicProperties properties) {
  return SharedOrigin(new MessageOrigin{std::move(exchange), std::move(properties)});
}

MessageRef Message::create(Id id, std::shared_ptr<const std::string> exchange, std::string_view routing_key,
                           BasicProperties properties, std::string_view body, sim::TimeUs published_us,
                           std::uint32_t returns) {
  return create(id, make_origin(std::move(exchange), std::move(properties)), routing_key, body, published_us, returns);
}

MessageRef Message::with_properties(BasicProperties properties, std::uint32_t returns) const {
  return create(id_, exchange_name_ref(), routing_key(), std::move(properties), body(), published_us_, returns);
}

MessageRef Message::create(Id id, SharedOrigin origin, std::string_view routing_key, std::string_view body,
                           sim::TimeUs published_us, std::uint32_t returns) {
  static_assert(sizeof(Message) == 40);
  assert(origin && origin->exchange);
  assert(routing_key.size() <= 255);
  void* memory = std::malloc(sizeof(Message) + routing_key.size() + body.size());
  if (!memory) throw std::bad_alloc();
  auto* message = new (memory) Message();
  message->id_ = id;
  message->routing_key_size_ = static_cast<std::uint8_t>(routing_key.size());
  message->body_size_ = static_cast<std::uint32_t>(body.size());
  message->published_us_ = published_us;
  message->returns_ = returns;
  message->origin_ = std::move(origin);
  if (!routing_key.empty()) std::memcpy(message->data(), routing_key.data(), routing_key.size());
  if (!body.empty()) std::memcpy(message->data() + routing_key.size(), body.data(), body.size());
  return MessageRef(message);
}

Message::~Message() = default;

const FieldTable* Message::headers() const {
  const auto& headers = origin_->properties.headers;
  return headers ? &*headers : nullptr;
}

bool Message::persistent() const { return origin_->properties.delivery_mode == 2; }

void MessageRef::destroy(Message* message) {
  message->~Message();
  std::free(message);
}

}  // namespace brokersim::broker
