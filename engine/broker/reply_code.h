#pragma once
// AMQP 0-9-1 reply codes as RabbitMQ uses them. Protocol errors are values, never exceptions.
#include <cstdint>
#include <string>
#include <string_view>

namespace brokersim::broker {

enum class ReplyCode : std::uint16_t {
  kSuccess = 200,
  kContentTooLarge = 311,
  kNoRoute = 312,
  kNoConsumers = 313,
  kConnectionForced = 320,
  kInvalidPath = 402,
  kAccessRefused = 403,
  kNotFound = 404,
  kResourceLocked = 405,
  kPreconditionFailed = 406,
  kFrameError = 501,
  kSyntaxError = 502,
  kCommandInvalid = 503,
  kChannelError = 504,
  kUnexpectedFrame = 505,
  kResourceError = 506,
  kNotAllowed = 530,
  kNotImplemented = 540,
  kInternalError = 541,
};

// The constant's name as the AMQP spec spells it, e.g. "NOT_FOUND".
std::string_view reply_code_name(ReplyCode code);

// Soft errors (403-406) close only the channel; hard errors close the whole connection.
constexpr bool closes_connection(ReplyCode code) {
  const auto value = static_cast<std::uint16_t>(code);
  return value >= 500 || value == 320 || value == 402;
}

// A protocol error: what RabbitMQ would send in channel.close or connection.close.
struct Error {
  ReplyCode code = ReplyCode::kSuccess;
  std::string text;  // e.g. "NOT_FOUND - no queue 'q' in vhost '/'"
};

// Builds the reply text the way RabbitMQ does: "<CODE_NAME> - <detail>".
Error make_error(ReplyCode code, std::string_view detail);

}  // namespace brokersim::broker
