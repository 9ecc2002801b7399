#pragma once
// Every method of AMQP 0-9-1 with RabbitMQ's extensions, described once as data (method_spec
// table) and encoded and decoded by one generic codec. A decoded method is its id plus its
// arguments in spec order; callers read arguments by their spec names (method_args.h).
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "broker/field_table.h"

namespace brokersim::amqp {

enum class ArgType : std::uint8_t { kOctet, kShort, kLong, kLongLong, kShortString, kLongString, kBit, kTable, kTimestamp };

struct ArgSpec {
  std::string_view name;
  ArgType type;
};

constexpr std::uint32_t method_id(std::uint16_t class_id, std::uint16_t method) {
  return (static_cast<std::uint32_t>(class_id) << 16) | method;
}

// The ids callers refer to by name.
enum MethodId : std::uint32_t {
  kConnectionStart = method_id(10, 10), kConnectionStartOk = method_id(10, 11),
  kConnectionSecure = method_id(10, 20), kConnectionSecureOk = method_id(10, 21),
  kConnectionTune = method_id(10, 30), kConnectionTuneOk = method_id(10, 31),
  kConnectionOpen = method_id(10, 40), kConnectionOpenOk = method_id(10, 41),
  kConnectionClose = method_id(10, 50), kConnectionCloseOk = method_id(10, 51),
  kConnectionBlocked = method_id(10, 60), kConnectionUnblocked = method_id(10, 61),
  kConnectionUpdateSecret = method_id(10, 70), kConnectionUpdateSecretOk = method_id(10, 71),
  kChannelOpen = method_id(20, 10), kChannelOpenOk = method_id(20, 11),
  kChannelFlow = method_id(20, 20), kChannelFlowOk = method_id(20, 21),
  kChannelClose = method_id(20, 40), kChannelCloseOk = method_id(20, 41),
  kAccessRequest = method_id(30, 10), kAccessRequestOk = method_id(30, 11),
  kExchangeDeclare = method_id(40, 10), kExchangeDeclareOk = method_id(40, 11),
  kExchangeDelete = method_id(40, 20), kExchangeDeleteOk = method_id(40, 21),
  kExchangeBind = method_id(40, 30), kExchangeBindOk = method_id(40, 31),
  kExchangeUnbind = method_id(40, 40), kExchangeUnbindOk = method_id(40, 51),
  kQueueDeclare = method_id(50, 10), kQueueDeclareOk = method_id(50, 11),
  kQueueBind = method_id(50, 20), kQueueBindOk = method_id(50, 21),
  kQueuePurge = method_id(50, 30), kQueuePurgeOk = method_id(50, 31),
  kQueueDelete = method_id(50, 40), kQueueDeleteOk = method_id(50, 41),
  kQueueUnbind = method_id(50, 50), kQueueUnbindOk = method_id(50, 51),
  kBasicQos = method_id(60, 10), kBasicQosOk = method_id(60, 11),
  kBasicConsume = method_id(60, 20), kBasicConsumeOk = method_id(60, 21),
  kBasicCancel = method_id(60, 30), kBasicCancelOk = method_id(60, 31),
  kBasicPublish = method_id(60, 40), kBasicReturn = method_id(60, 50),
  kBasicDeliver = method_id(60, 60), kBasicGet = method_id(60, 70),
  kBasicGetOk = method_id(60, 71), kBasicGetEmpty = method_id(60, 72),
  kBasicAck = method_id(60, 80), kBasicReject = method_id(60, 90),
  kBasicRecoverAsync = method_id(60, 100), kBasicRecover = method_id(60, 110),
  kBasicRecoverOk = method_id(60, 111), kBasicNack = method_id(60, 120),
  kConfirmSelect = method_id(85, 10), kConfirmSelectOk = method_id(85, 11),
  kTxSelect = method_id(90, 10), kTxSelectOk = method_id(90, 11),
  kTxCommit = method_id(90, 20), kTxCommitOk = method_id(90, 21),
  kTxRollback = method_id(90, 30), kTxRollbackOk = method_id(90, 31),
};

struct MethodSpec {
  std::uint32_t id;
  std::string_view name;  // "queue.declare"
  std::span<const ArgSpec> args;
  bool has_content;  // followed by a content header and body frames
};

// Null for a class/method pair the protocol does not define.
const MethodSpec* find_method_spec(std::uint32_t id);
std::span<const MethodSpec> all_method_specs();

// Integers and bits as u64, strings as std::string, tables as FieldTable.
using ArgValue = std::variant<std::uint64_t, std::string, broker::FieldTable>;

struct Method {
  const MethodSpec* spec = nullptr;
  std::vector<ArgValue> args;

  // Builds a method from its arguments in spec order; asserts on a wrong count (a bug).
  static Method make(std::uint32_t id, std::initializer_list<ArgValue> args = {});
  std::uint32_t id() const { return spec->id; }
  std::uint16_t class_id() const { return static_cast<std::uint16_t>(spec->id >> 16); }
  std::uint16_t method_index() const { return static_cast<std::uint16_t>(spec->id & 0xffff); }

  // Arguments are read by name through args_of<Id>(method) (method_args.h), which checks the
  // names while compiling.

  bool operator==(const Method& other) const;
};

struct MethodDecode {
  bool ok = false;
  Method method;
  // Set when !ok: unknown class/method (540 in RabbitMQ) or malformed arguments (502).
  bool unknown_method = false;
  std::uint16_t class_id = 0, method_index = 0;
};

MethodDecode decode_method(std::string_view payload);
void encode_method(std::string& out, const Method& method);

}  // namespace brokersim::amqp
