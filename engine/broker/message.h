#pragma once
// A published message: immutable once routed and shared by every queue it reached. Routing key
// and body live in the same allocation as the header so a queue of a million small messages
// stays small (one allocation each, no per-field strings).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

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

// What messages published alike share: the exchange they were published to and their
// properties. A client usually publishes many messages alike, so a deep queue of them holds one
// of these, not a few hundred bytes of copies per message.
struct MessageOrigin {
  std::shared_ptr<const std::string> exchange;  // never null
  BasicProperties properties;
  mutable std::uint32_t refs = 0;  // see SharedOrigin
};

// An immutable MessageOrigin shared by reference count, one pointer wide (a std::shared_ptr is
// two, and every message holds one).
class SharedOrigin {
 public:
  SharedOrigin() = default;
  SharedOrigin(const SharedOrigin& other) : origin_(other.origin_) { retain(); }
  SharedOrigin(SharedOrigin&& other) noexcept : origin_(std::exchange(other.origin_, nullptr)) {}
  SharedOrigin& operator=(SharedOrigin other) noexcept {
    std::swap(origin_, other.origin_);
    return *this;
  }
  ~SharedOrigin() {
    if (origin_ && --origin_->refs == 0) delete origin_;
  }

  const MessageOrigin* operator->() const { return origin_; }
  const MessageOrigin& operator*() const { return *origin_; }
  explicit operator bool() const { return origin_ != nullptr; }

 private:
  friend SharedOrigin make_origin(std::shared_ptr<const std::string> exchange, BasicProperties properties);
  explicit SharedOrigin(const MessageOrigin* origin) : origin_(origin) { retain(); }
  void retain() {
    if (origin_) ++origin_->refs;
  }
  const MessageOrigin* origin_ = nullptr;
};

SharedOrigin make_origin(std::shared_ptr<const std::string> exchange, BasicProperties properties);

class MessageRef;

class Message {
 public:
  using Id = std::uint64_t;

  // `returns`: see returns().
  static MessageRef create(Id id, SharedOrigin origin, std::string_view routing_key, std::string_view body,
                           sim::TimeUs published_us, std::uint32_t returns = 0);
  // The same with an origin of its own.
  static MessageRef create(Id id, std::shared_ptr<const std::string> exchange, std::string_view routing_key,
                           BasicProperties properties, std::string_view body, sim::TimeUs published_us,
                           std::uint32_t returns = 0);
  // This message with other properties (a header the broker adds or removes on the way out).
  MessageRef with_properties(BasicProperties properties, std::uint32_t returns) const;

  Id id() const { return id_; }
  const std::string& exchange() const { return *origin_->exchange; }
  const std::shared_ptr<const std::string>& exchange_name_ref() const { return origin_->exchange; }
  const SharedOrigin& origin() const { return origin_; }
  std::string_view routing_key() const { return {data(), routing_key_size_}; }
  std::string_view body() const { return {data() + routing_key_size_, body_size_}; }
  std::size_t body_size() const { return body_size_; }
  sim::TimeUs published_us() const { return published_us_; }
  const BasicProperties& properties() const { return origin_->properties; }
  const FieldTable* headers() const;
  bool persistent() const;
  // How many times a quorum queue got this copy back from a consumer (its x-delivery-count).
  std::uint32_t returns() const { return returns_; }

 private:
  friend class MessageRef;
  Message() = default;
  ~Message();
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  char* data() { return reinterpret_cast<char*>(this + 1); }

  // 40 bytes before the routing key and body: a million ready messages are a million of these.
  std::uint32_t refs_ = 0;  // single-threaded: one thread owns the broker
  std::uint32_t body_size_ = 0;
  std::uint32_t returns_ = 0;
  std::uint8_t routing_key_size_ = 0;  // AMQP short strings are at most 255 bytes
  Id id_ = 0;
  sim::TimeUs published_us_ = 0;
  SharedOrigin origin_;  // never null
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
