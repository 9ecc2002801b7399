#pragma once
// The AMQP 0-9-1 method table (the spec's amqp0-9-1.xml, with RabbitMQ's extensions:
// basic.nack, confirm.*, exchange.bind/unbind, connection.blocked/unblocked/update-secret).
// In a header, as constants, so that an argument named in code is looked up while compiling
// (see method_args.h): a misspelt name does not build.
#include <span>

#include "amqp/method.h"

namespace brokersim::amqp::spec {

using enum ArgType;

inline constexpr ArgSpec kNoneArgs[] = {{"", kBit}};  // placeholder; methods without arguments use an empty span

inline constexpr ArgSpec kStartArgs[] = {{"version-major", kOctet}, {"version-minor", kOctet}, {"server-properties", kTable},
                              {"mechanisms", kLongString}, {"locales", kLongString}};
inline constexpr ArgSpec kStartOkArgs[] = {{"client-properties", kTable}, {"mechanism", kShortString},
                                {"response", kLongString}, {"locale", kShortString}};
inline constexpr ArgSpec kSecureArgs[] = {{"challenge", kLongString}};
inline constexpr ArgSpec kSecureOkArgs[] = {{"response", kLongString}};
inline constexpr ArgSpec kTuneArgs[] = {{"channel-max", kShort}, {"frame-max", kLong}, {"heartbeat", kShort}};
inline constexpr ArgSpec kOpenArgs[] = {{"virtual-host", kShortString}, {"capabilities", kShortString}, {"insist", kBit}};
inline constexpr ArgSpec kOpenOkArgs[] = {{"known-hosts", kShortString}};
inline constexpr ArgSpec kCloseArgs[] = {{"reply-code", kShort}, {"reply-text", kShortString}, {"class-id", kShort},
                              {"method-id", kShort}};
inline constexpr ArgSpec kBlockedArgs[] = {{"reason", kShortString}};
inline constexpr ArgSpec kUpdateSecretArgs[] = {{"new-secret", kLongString}, {"reason", kShortString}};

inline constexpr ArgSpec kChannelOpenArgs[] = {{"out-of-band", kShortString}};
inline constexpr ArgSpec kChannelOpenOkArgs[] = {{"channel-id", kLongString}};
inline constexpr ArgSpec kFlowArgs[] = {{"active", kBit}};

inline constexpr ArgSpec kAccessRequestArgs[] = {{"realm", kShortString}, {"exclusive", kBit}, {"passive", kBit},
                                      {"active", kBit}, {"write", kBit}, {"read", kBit}};
inline constexpr ArgSpec kAccessRequestOkArgs[] = {{"ticket", kShort}};

inline constexpr ArgSpec kExchangeDeclareArgs[] = {{"ticket", kShort}, {"exchange", kShortString}, {"type", kShortString},
                                        {"passive", kBit}, {"durable", kBit}, {"auto-delete", kBit},
                                        {"internal", kBit}, {"no-wait", kBit}, {"arguments", kTable}};
inline constexpr ArgSpec kExchangeDeleteArgs[] = {{"ticket", kShort}, {"exchange", kShortString}, {"if-unused", kBit},
                                       {"no-wait", kBit}};
inline constexpr ArgSpec kExchangeBindArgs[] = {{"ticket", kShort}, {"destination", kShortString}, {"source", kShortString},
                                     {"routing-key", kShortString}, {"no-wait", kBit}, {"arguments", kTable}};

inline constexpr ArgSpec kQueueDeclareArgs[] = {{"ticket", kShort}, {"queue", kShortString}, {"passive", kBit},
                                     {"durable", kBit}, {"exclusive", kBit}, {"auto-delete", kBit},
                                     {"no-wait", kBit}, {"arguments", kTable}};
inline constexpr ArgSpec kQueueDeclareOkArgs[] = {{"queue", kShortString}, {"message-count", kLong}, {"consumer-count", kLong}};
inline constexpr ArgSpec kQueueBindArgs[] = {{"ticket", kShort}, {"queue", kShortString}, {"exchange", kShortString},
                                  {"routing-key", kShortString}, {"no-wait", kBit}, {"arguments", kTable}};
inline constexpr ArgSpec kQueuePurgeArgs[] = {{"ticket", kShort}, {"queue", kShortString}, {"no-wait", kBit}};
inline constexpr ArgSpec kMessageCountArgs[] = {{"message-count", kLong}};
inline constexpr ArgSpec kQueueDeleteArgs[] = {{"ticket", kShort}, {"queue", kShortString}, {"if-unused", kBit},
                                    {"if-empty", kBit}, {"no-wait", kBit}};
inline constexpr ArgSpec kQueueUnbindArgs[] = {{"ticket", kShort}, {"queue", kShortString}, {"exchange", kShortString},
                                    {"routing-key", kShortString}, {"arguments", kTable}};

inline constexpr ArgSpec kQosArgs[] = {{"prefetch-size", kLong}, {"prefetch-count", kShort}, {"global", kBit}};
inline constexpr ArgSpec kConsumeArgs[] = {{"ticket", kShort}, {"queue", kShortString}, {"consumer-tag", kShortString},
                                {"no-local", kBit}, {"no-ack", kBit}, {"exclusive", kBit}, {"no-wait", kBit},
                                {"arguments", kTable}};
inline constexpr ArgSpec kConsumerTagArgs[] = {{"consumer-tag", kShortString}};
inline constexpr ArgSpec kCancelArgs[] = {{"consumer-tag", kShortString}, {"no-wait", kBit}};
inline constexpr ArgSpec kPublishArgs[] = {{"ticket", kShort}, {"exchange", kShortString}, {"routing-key", kShortString},
                                {"mandatory", kBit}, {"immediate", kBit}};
inline constexpr ArgSpec kReturnArgs[] = {{"reply-code", kShort}, {"reply-text", kShortString}, {"exchange", kShortString},
                               {"routing-key", kShortString}};
inline constexpr ArgSpec kDeliverArgs[] = {{"consumer-tag", kShortString}, {"delivery-tag", kLongLong}, {"redelivered", kBit},
                                {"exchange", kShortString}, {"routing-key", kShortString}};
inline constexpr ArgSpec kGetArgs[] = {{"ticket", kShort}, {"queue", kShortString}, {"no-ack", kBit}};
inline constexpr ArgSpec kGetOkArgs[] = {{"delivery-tag", kLongLong}, {"redelivered", kBit}, {"exchange", kShortString},
                              {"routing-key", kShortString}, {"message-count", kLong}};
inline constexpr ArgSpec kGetEmptyArgs[] = {{"cluster-id", kShortString}};
inline constexpr ArgSpec kAckArgs[] = {{"delivery-tag", kLongLong}, {"multiple", kBit}};
inline constexpr ArgSpec kRejectArgs[] = {{"delivery-tag", kLongLong}, {"requeue", kBit}};
inline constexpr ArgSpec kRequeueArgs[] = {{"requeue", kBit}};
inline constexpr ArgSpec kNackArgs[] = {{"delivery-tag", kLongLong}, {"multiple", kBit}, {"requeue", kBit}};
inline constexpr ArgSpec kConfirmSelectArgs[] = {{"nowait", kBit}};

constexpr std::span<const ArgSpec> no_args() { return std::span<const ArgSpec>(kNoneArgs, 0); }

// Sorted by id so lookups can binary-search.
inline constexpr MethodSpec kMethods[] = {
    {kConnectionStart, "connection.start", kStartArgs, false},
    {kConnectionStartOk, "connection.start-ok", kStartOkArgs, false},
    {kConnectionSecure, "connection.secure", kSecureArgs, false},
    {kConnectionSecureOk, "connection.secure-ok", kSecureOkArgs, false},
    {kConnectionTune, "connection.tune", kTuneArgs, false},
    {kConnectionTuneOk, "connection.tune-ok", kTuneArgs, false},
    {kConnectionOpen, "connection.open", kOpenArgs, false},
    {kConnectionOpenOk, "connection.open-ok", kOpenOkArgs, false},
    {kConnectionClose, "connection.close", kCloseArgs, false},
    {kConnectionCloseOk, "connection.close-ok", no_args(), false},
    {kConnectionBlocked, "connection.blocked", kBlockedArgs, false},
    {kConnectionUnblocked, "connection.unblocked", no_args(), false},
    {kConnectionUpdateSecret, "connection.update-secret", kUpdateSecretArgs, false},
    {kConnectionUpdateSecretOk, "connection.update-secret-ok", no_args(), false},
    {kChannelOpen, "channel.open", kChannelOpenArgs, false},
    {kChannelOpenOk, "channel.open-ok", kChannelOpenOkArgs, false},
    {kChannelFlow, "channel.flow", kFlowArgs, false},
    {kChannelFlowOk, "channel.flow-ok", kFlowArgs, false},
    {kChannelClose, "channel.close", kCloseArgs, false},
    {kChannelCloseOk, "channel.close-ok", no_args(), false},
    {kAccessRequest, "access.request", kAccessRequestArgs, false},
    {kAccessRequestOk, "access.request-ok", kAccessRequestOkArgs, false},
    {kExchangeDeclare, "exchange.declare", kExchangeDeclareArgs, false},
    {kExchangeDeclareOk, "exchange.declare-ok", no_args(), false},
    {kExchangeDelete, "exchange.delete", kExchangeDeleteArgs, false},
    {kExchangeDeleteOk, "exchange.delete-ok", no_args(), false},
    {kExchangeBind, "exchange.bind", kExchangeBindArgs, false},
    {kExchangeBindOk, "exchange.bind-ok", no_args(), false},
    {kExchangeUnbind, "exchange.unbind", kExchangeBindArgs, false},
    {kExchangeUnbindOk, "exchange.unbind-ok", no_args(), false},
    {kQueueDeclare, "queue.declare", kQueueDeclareArgs, false},
    {kQueueDeclareOk, "queue.declare-ok", kQueueDeclareOkArgs, false},
    {kQueueBind, "queue.bind", kQueueBindArgs, false},
    {kQueueBindOk, "queue.bind-ok", no_args(), false},
    {kQueuePurge, "queue.purge", kQueuePurgeArgs, false},
    {kQueuePurgeOk, "queue.purge-ok", kMessageCountArgs, false},
    {kQueueDelete, "queue.delete", kQueueDeleteArgs, false},
    {kQueueDeleteOk, "queue.delete-ok", kMessageCountArgs, false},
    {kQueueUnbind, "queue.unbind", kQueueUnbindArgs, false},
    {kQueueUnbindOk, "queue.unbind-ok", no_args(), false},
    {kBasicQos, "basic.qos", kQosArgs, false},
    {kBasicQosOk, "basic.qos-ok", no_args(), false},
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
    {kBasicRecoverOk, "basic.recover-ok", no_args(), false},
    {kBasicNack, "basic.nack", kNackArgs, false},
    {kConfirmSelect, "confirm.select", kConfirmSelectArgs, false},
    {kConfirmSelectOk, "confirm.select-ok", no_args(), false},
    {kTxSelect, "tx.select", no_args(), false},
    {kTxSelectOk, "tx.select-ok", no_args(), false},
    {kTxCommit, "tx.commit", no_args(), false},
    {kTxCommitOk, "tx.commit-ok", no_args(), false},
    {kTxRollback, "tx.rollback", no_args(), false},
    {kTxRollbackOk, "tx.rollback-ok", no_args(), false},
};

}  // namespace brokersim::amqp::spec
