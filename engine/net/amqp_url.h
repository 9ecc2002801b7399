#pragma once
// amqp://user:password@host:port/vhost, as RabbitMQ's URI spec reads it: user, password and
// vhost are percent-decoded, the port defaults to 5672 and an absent vhost is "/".
#include <cstdint>
#include <optional>
#include <string>

namespace brokersim::net {

struct AmqpUrl {
  std::string user = "guest";
  std::string password = "guest";
  std::string host = "localhost";
  std::uint16_t port = 5672;
  std::string vhost = "/";

  // "amqp://user@host:port/vhost", without the password: safe to print.
  std::string display() const;
};

// nullopt and `error` set when the text is not an amqp:// URL.
std::optional<AmqpUrl> parse_amqp_url(const std::string& text, std::string& error);

}  // namespace brokersim::net
