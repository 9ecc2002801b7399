#pragma once
// A published message: immutable once routed and shared by every queue it reached. Routing key
// and body live in the same allocation as the header so a queue of a million small messages
// stays small (one allocation each, no per-field strings).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "broker/field_table.h"
#include "sim/time.h"

namespace brokersim::broker {

// The 14 basic-class properties. All optional: an absent property is not sent on the wire.
struct BasicProperties {
  std::optional<std::string> content_type;
  std::optional<std::string> content_encoding;
  std::optional<FieldTable> headers;
  std::optional<std::uint8_t> delivery_mode;  // 1 transient, 2 persistent
  std::optional<std::uint8_t> priority;
  std::optional<std::string> correlation_id;
  std::optional<std::string> reply_to;
  std::optional<std::string> expiration;  // milliseconds, as a decimal string
  std::optional<std::string> message_id;
  std::optional<std::uint64_t> timestamp;
  std::optional<std::string> type;
  std::optional<std::string> user_id;
  std::optional<std::string> app_id;
  std::optional<std::string> cluster_id;

  bool empty() const;
  bool operator==(const BasicProperties& other) const;
};

class MessageRef;

class Message {
 public:
  using Id = std::uint64_t;

  static MessageRef create(Id id, std::shared_ptr<const std::string> exchange, std::string_view routing_key,
                           const BasicProperties& properties, std::string_view body, sim::TimeUs published_us);
  // The same, sharing an immutable property set (null when empty) with other messages.
  static MessageRef create(Id id, std::shared_ptr<const std::string> exchange, std::string_view routing_key,
                           std::shared_ptr<const BasicProperties> properties, std::string_view body,
                           sim::TimeUs published_us);

  Id id() const { return id_; }
  const std::string& exchange() const { return *exchange_; }
  const std::shared_ptr<const std::string>& exchange_name_ref() const { return exchange_; }
  std::string_view routing_key() const { return {data(), routing_key_size_}; }
  std::string_view body() const { return {data() + routing_key_size_, body_size_}; }
  std::size_t body_size() const { return body_size_; }
  sim::TimeUs published_us() const { return published_us_; }
  // Never null: messages without properties share one empty set.
  const BasicProperties& properties() const;
  const FieldTable* headers() const;
  bool persistent() const;

 private:
  friend class MessageRef;
  Message() = default;
  ~Message();
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  char* data() { return reinterpret_cast<char*>(this + 1); }

  std::uint32_t refs_ = 0;  // single-threaded: one thread owns the broker
  std::uint32_t body_size_ = 0;
  std::uint8_t routing_key_size_ = 0;  // AMQP short strings are at most 255 bytes
  Id id_ = 0;
  sim::TimeUs published_us_ = 0;
  // Null when empty. Messages a client publishes with the same properties share one set, so
  // a deep queue of them does not hold a few hundred bytes of copies per message.
  std::shared_ptr<const BasicProperties> properties_;
  std::shared_ptr<const std::string> exchange_;
};

// Intrusive reference: one pointer wide, no control block.
class MessageRef {
 public:
  MessageRef() = default;
  MessageRef(const MessageRef& other) : message_(other.message_) { retain(); }
  MessageRef(MessageRef&& other) noexcept : message_(other.message_) { other.message_ = nullptr; }
  MessageRef& operator=(MessageRef other) noexcept {
    std::swap(message_, other.message_);
    return *this;
  }
  ~MessageRef() { release(); }

  const Message* get() const { return message_; }
  const Message* operator->() const { return message_; }
  const Message& operator*() const { return *message_; }
  explicit operator bool() const { return message_ != nullptr; }

 private:
  friend class Message;
  explicit MessageRef(Message* message) : message_(message) { retain(); }
  void retain() {
    if (message_) ++message_->refs_;
  }
  // Inline: most calls are on moved-from (null) references or drop one of several owners.
  void release() {
    if (message_ && --message_->refs_ == 0) destroy(message_);
    message_ = nullptr;
  }
  static void destroy(Message* message);
  Message* message_ = nullptr;
};

}  // namespace brokersim::broker
