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

MessageRef Message::create(Id id, std::shared_ptr<const std::string> exchange, std::string_view routing_key,
                           const BasicProperties& properties, std::string_view body, sim::TimeUs published_us) {
  return create(id, std::move(exchange), routing_key,
                properties.empty() ? nullptr : std::make_shared<const BasicProperties>(properties), body, published_us);
}

MessageRef Message::create(Id id, std::shared_ptr<const std::string> exchange, std::string_view routing_key,
                           std::shared_ptr<const BasicProperties> properties, std::string_view body,
                           sim::TimeUs published_us) {
  assert(routing_key.size() <= 255);
  void* memory = std::malloc(sizeof(Message) + routing_key.size() + body.size());
  if (!memory) throw std::bad_alloc();
  auto* message = new (memory) Message();
  message->id_ = id;
  message->exchange_ = std::move(exchange);
  message->routing_key_size_ = static_cast<std::uint8_t>(routing_key.size());
  message->body_size_ = static_cast<std::uint32_t>(body.size());
  message->published_us_ = published_us;
  message->properties_ = std::move(properties);
  if (!routing_key.empty()) std::memcpy(message->data(), routing_key.data(), routing_key.size());
  if (!body.empty()) std::memcpy(message->data() + routing_key.size(), body.data(), body.size());
  return MessageRef(message);
}

Message::~Message() = default;

const BasicProperties& Message::properties() const {
  static const BasicProperties kNone;
  return properties_ ? *properties_ : kNone;
}

const FieldTable* Message::headers() const {
  return properties_ && properties_->headers ? &*properties_->headers : nullptr;
}

bool Message::persistent() const { return properties_ && properties_->delivery_mode == 2; }

void MessageRef::destroy(Message* message) {
  message->~Message();
  std::free(message);
}

}  // namespace brokersim::broker
