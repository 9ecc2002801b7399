// The AMQP 0-9-1 method table (the spec's amqp0-9-1.xml, with RabbitMQ's extensions:
// basic.nack, confirm.*, exchange.bind/unbind, connection.blocked/unblocked/update-secret).
#include <algorithm>
#include <array>

#include "amqp/method.h"

namespace brokersim::amqp {
namespace {

using enum ArgType;

constexpr ArgSpec kNoneArgs[] = {{"", kBit}};  // placeholder; methods without arguments use an empty span

constexpr ArgSpec kStartArgs[] = {{"version-major", kOctet}, {"version-minor", kOctet}, {"server-properties", kTable},
                              {"mechanisms", kLongString}, {"locales", kLongString}};
constexpr ArgSpec kStartOkArgs[] = {{"client-properties", kTable}, {"mechanism", kShortString},
                                {"response", kLongString}, {"locale", kShortString}};
constexpr ArgSpec kSecureArgs[] = {{"challenge", kLongString}};
constexpr ArgSpec kSecureOkArgs[] = {{"response", kLongString}};
constexpr ArgSpec kTuneArgs[] = {{"channel-max", kShort}, {"frame-max", kLong}, {"heartbeat", kShort}};
constexpr ArgSpec kOpenArgs[] = {{"virtual-host", kShortString}, {"capabilities", kShortString}, {"insist", kBit}};
constexpr ArgSpec kOpenOkArgs[] = {{"known-hosts", kShortString}};
constexpr ArgSpec kCloseArgs[] = {{"reply-code", kShort}, {"reply-text", kShortString}, {"class-id", kShort},
                              {"method-id", kShort}};
constexpr ArgSpec kBlockedArgs[] = {{"reason", kShortString}};
constexpr ArgSpec kUpdateSecretArgs[] = {{"new-secret", kLongString}, {"reason", kShortString}};

constexpr ArgSpec kChannelOpenArgs[] = {{"out-of-band", kShortString}};
constexpr ArgSpec kChannelOpenOkArgs[] = {{"channel-id", kLongString}};
constexpr ArgSpec kFlowArgs[] = {{"active", kBit}};

constexpr ArgSpec kAccessRequestArgs[] = {{"realm", kShortString}, {"exclusive", kBit}, {"passive", kBit},
                                      {"active", kBit}, {"write", kBit}, {"read", kBit}};
constexpr ArgSpec kAccessRequestOkArgs[] = {{"ticket", kShort}};

constexpr ArgSpec kExchangeDeclareArgs[] = {{"ticket", kShort}, {"exchange", kShortString}, {"type", kShortString},
                                        {"passive", kBit}, {"durable", kBit}, {"auto-delete", kBit},
                                        {"internal", kBit}, {"no-wait", kBit}, {"arguments", kTable}};
constexpr ArgSpec kExchangeDeleteArgs[] = {{"ticket", kShort}, {"exchange", kShortString}, {"if-unused", kBit},
                                       {"no-wait", kBit}};
constexpr ArgSpec kExchangeBindArgs[] = {{"ticket", kShort}, {"destination", kShortString}, {"source", kShortString},
                                     {"routing-key", kShortString}, {"no-wait", kBit}, {"arguments", kTable}};

constexpr ArgSpec kQueueDeclareArgs[] = {{"ticket", kShort}, {"queue", kShortString}, {"passive", kBit},
                                     {"durable", kBit}, {"exclusive", kBit}, {"auto-delete", kBit},
                                     {"no-wait", kBit}, {"arguments", kTable}};
constexpr ArgSpec kQueueDeclareOkArgs[] = {{"queue", kShortString}, {"message-count", kLong}, {"consumer-count", kLong}};
constexpr ArgSpec kQueueBindArgs[] = {{"ticket", kShort}, {"queue", kShortString}, {"exchange", kShortString},
                                  {"routing-key", kShortString}, {"no-wait", kBit}, {"arguments", kTable}};
constexpr ArgSpec kQueuePurgeArgs[] = {{"ticket", kShort}, {"queue", kShortString}, {"no-wait", kBit}};
constexpr ArgSpec kMessageCountArgs[] = {{"message-count", kLong}};
constexpr ArgSpec kQueueDeleteArgs[] = {{"ticket", kShort}, {"queue", kShortString}, {"if-unused", kBit},
                                    {"if-empty", kBit}, {"no-wait", kBit}};
constexpr ArgSpec kQueueUnbindArgs[] = {{"ticket", kShort}, {"queue", kShortString}, {"exchange", kShortString},
                                    {"routing-key", kShortString}, {"arguments", kTable}};

constexpr ArgSpec kQosArgs[] = {{"prefetch-size", kLong}, {"prefetch-count", kShort}, {"global", kBit}};
constexpr ArgSpec kConsumeArgs[] = {{"ticket", kShort}, {"queue", kShortString}, {"consumer-tag", kShortString},
                                {"no-local", kBit}, {"no-ack", kBit}, {"exclusive", kBit}, {"no-wait", kBit},
                                {"arguments", kTable}};
constexpr ArgSpec kConsumerTagArgs[] = {{"consumer-tag", kShortString}};
constexpr ArgSpec kCancelArgs[] = {{"consumer-tag", kShortString}, {"no-wait", kBit}};
constexpr ArgSpec kPublishArgs[] = {{"ticket", kShort}, {"exchange", kShortString}, {"routing-key", kShortString},
                                {"mandatory", kBit}, {"immediate", kBit}};
constexpr ArgSpec kReturnArgs[] = {{"reply-code", kShort}, {"reply-text", kShortString}, {"exchange", kShortString},
                               {"routing-key", kShortString}};
constexpr ArgSpec kDeliverArgs[] = {{"consumer-tag", kShortString}, {"delivery-tag", kLongLong}, {"redelivered", kBit},
                                {"exchange", kShortString}, {"routing-key", kShortString}};
constexpr ArgSpec kGetArgs[] = {{"ticket", kShort}, {"queue", kShortString}, {"no-ack", kBit}};
constexpr ArgSpec kGetOkArgs[] = {{"delivery-tag", kLongLong}, {"redelivered", kBit}, {"exchange", kShortString},
                              {"routing-key", kShortString}, {"message-count", kLong}};
constexpr ArgSpec kGetEmptyArgs[] = {{"cluster-id", kShortString}};
constexpr ArgSpec kAckArgs[] = {{"delivery-tag", kLongLong}, {"multiple", kBit}};
constexpr ArgSpec kRejectArgs[] = {{"delivery-tag", kLongLong}, {"requeue", kBit}};
constexpr ArgSpec kRequeueArgs[] = {{"requeue", kBit}};
constexpr ArgSpec kNackArgs[] = {{"delivery-tag", kLongLong}, {"multiple", kBit}, {"requeue", kBit}};
constexpr ArgSpec kConfirmSelectArgs[] = {{"nowait", kBit}};

constexpr std::span<const ArgSpec> none() { return std::span<const ArgSpec>(kNoneArgs, 0); }

// Sorted by id so lookups can binary-search.
constexpr MethodSpec kMethods[] = {
    {kConnectionStart, "connection.start", kStartArgs, false},
    {kConnectionStartOk, "connection.start-ok", kStartOkArgs, false},
    {kConnectionSecure, "connection.secure", kSecureArgs, false},
    {kConnectionSecureOk, "connection.secure-ok", kSecureOkArgs, false},
    {kConnectionTune, "connection.tune", kTuneArgs, false},
    {kConnectionTuneOk, "connection.tune-ok", kTuneArgs, false},
    {kConnectionOpen, "connection.open", kOpenArgs, false},
    {kConnectionOpenOk, "connection.open-ok", kOpenOkArgs, false},
    {kConnectionClose, "connection.close", kCloseArgs, false},
    {kConnectionCloseOk, "connection.close-ok", none(), false},
    {kConnectionBlocked, "connection.blocked", kBlockedArgs, false},
    {kConnectionUnblocked, "connection.unblocked", none(), false},
    {kConnectionUpdateSecret, "connection.update-secret", kUpdateSecretArgs, false},
    {kConnectionUpdateSecretOk, "connection.update-secret-ok", none(), false},
    {kChannelOpen, "channel.open", kChannelOpenArgs, false},
    {kChannelOpenOk, "channel.open-ok", kChannelOpenOkArgs, false},
    {kChannelFlow, "channel.flow", kFlowArgs, false},
    {kChannelFlowOk, "channel.flow-ok", kFlowArgs, false},
    {kChannelClose, "channel.close", kCloseArgs, false},
    {kChannelCloseOk, "channel.close-ok", none(), false},
    {kAccessRequest, "access.request", kAccessRequestArgs, false},
    {kAccessRequestOk, "access.request-ok", kAccessRequestOkArgs, false},
    {kExchangeDeclare, "exchange.declare", kExchangeDeclareArgs, false},
    {kExchangeDeclareOk, "exchange.declare-ok", none(), false},
    {kExchangeDelete, "exchange.delete", kExchangeDeleteArgs, false},
    {kExchangeDeleteOk, "exchange.delete-ok", none(), false},
    {kExchangeBind, "exchange.bind", kExchangeBindArgs, false},
    {kExchangeBindOk, "exchange.bind-ok", none(), false},
    {kExchangeUnbind, "exchange.unbind", kExchangeBindArgs, false},
    {kExchangeUnbindOk, "exchange.unbind-ok", none(), false},
    {kQueueDeclare, "queue.declare", kQueueDeclareArgs, false},
    {kQueueDeclareOk, "queue.declare-ok", kQueueDeclareOkArgs, false},
    {kQueueBind, "queue.bind", kQueueBindArgs, false},
    {kQueueBindOk, "queue.bind-ok", none(), false},
    {kQueuePurge, "queue.purge", kQueuePurgeArgs, false},
    {kQueuePurgeOk, "queue.purge-ok", kMessageCountArgs, false},
    {kQueueDelete, "queue.delete", kQueueDeleteArgs, false},
    {kQueueDeleteOk, "queue.delete-ok", kMessageCountArgs, false},
    {kQueueUnbind, "queue.unbind", kQueueUnbindArgs, false},
    {kQueueUnbindOk, "queue.unbind-ok", none(), false},
    {kBasicQos, "basic.qos", kQosArgs, false},
    {kBasicQosOk, "basic.qos-ok", none(), false},
    {kBasicConsume, "basic.consume", kConsumeArgs, false},
    {kBasicConsumeOk, "basic.consume-ok", kConsumerTagArgs, false},
    {kBasicCancel, "basic.cancel", kCancelArgs, false},
    {kBasicCancelOk, "basic.cancel-ok", kConsumerTagArgs, false},
    {kBasicPublish, "basic.publish", kPublishArgs, true},
    {kBasicReturn, "basic.return", kReturnArgs, true},
    {kBasicDeliver, "basic.deliver", kDeliverArgs, true},
    {kBasicGet, "basic.get", kGetArgs, false},
    {kBasicGetOk, "basic.get-ok", kGetOkArgs, true},
    {kBasicGetEmpty, "basic.get-empty", kGetEmptyArgs, false},
    {kBasicAck, "basic.ack", kAckArgs, false},
    {kBasicReject, "basic.reject", kRejectArgs, false},
    {kBasicRecoverAsync, "basic.recover-async", kRequeueArgs, false},
    {kBasicRecover, "basic.recover", kRequeueArgs, false},
    {kBasicRecoverOk, "basic.recover-ok", none(), false},
    {kBasicNack, "basic.nack", kNackArgs, false},
    {kConfirmSelect, "confirm.select", kConfirmSelectArgs, false},
    {kConfirmSelectOk, "confirm.select-ok", none(), false},
    {kTxSelect, "tx.select", none(), false},
    {kTxSelectOk, "tx.select-ok", none(), false},
    {kTxCommit, "tx.commit", none(), false},
    {kTxCommitOk, "tx.commit-ok", none(), false},
    {kTxRollback, "tx.rollback", none(), false},
    {kTxRollbackOk, "tx.rollback-ok", none(), false},
};

static_assert(std::is_sorted(std::begin(kMethods), std::end(kMethods),
                             [](const MethodSpec& a, const MethodSpec& b) { return a.id < b.id; }));

}  // namespace

const MethodSpec* find_method_spec(std::uint32_t id) {
  const auto* it = std::lower_bound(std::begin(kMethods), std::end(kMethods), id,
                                    [](const MethodSpec& spec, std::uint32_t key) { return spec.id < key; });
  return it != std::end(kMethods) && it->id == id ? it : nullptr;
}

std::span<const MethodSpec> all_method_specs() { return kMethods; }

}  // namespace brokersim::amqp
