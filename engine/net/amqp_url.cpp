#include "net/amqp_url.h"

#include <charconv>

namespace brokersim::net {
namespace {

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    unsigned value = 0;
    if (i + 2 >= text.size()) return std::nullopt;
    const auto r = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
    if (r.ptr != text.data() + i + 3) return std::nullopt;
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

}  // namespace

std::string AmqpUrl::display() const {
  std::string out = "amqp://" + user + "@" + host + ":" + std::to_string(port) + "/";
  return out + (vhost == "/" ? "%2f" : vhost);
}

std::optional<AmqpUrl> parse_amqp_url(const std::string& text, std::string& error) {
  constexpr std::string_view kScheme = "amqp://";
  if (text.rfind(kScheme, 0) != 0) {
    error = "'" + text + "' is not an amqp:// URL (amqp://user:password@host:port/vhost)";
    return std::nullopt;
  }
  AmqpUrl url;
  std::string_view rest = std::string_view(text).substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos && slash + 1 < rest.size()) {
    auto vhost = percent_decode(rest.substr(slash + 1));
    if (!vhost) return error = "bad percent-encoding in the vhost of '" + text + "'", std::nullopt;
    url.vhost = *vhost;
  }
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view credentials = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const std::size_t colon = credentials.find(':');
    auto user = percent_decode(credentials.substr(0, colon));
    auto password = colon == std::string_view::npos ? std::optional<std::string>("") : percent_decode(credentials.substr(colon + 1));
    if (!user || !password) return error = "bad percent-encoding in the credentials of the URL", std::nullopt;
    url.user = *user;
    if (colon != std::string_view::npos) url.password = *password;
  }
  const std::size_t colon = authority.rfind(':');
  // "[::1]:5672": the port's colon comes after the bracket.
  const bool has_port = colon != std::string_view::npos && (authority.empty() || authority.front() != '[' || authority.find(']') < colon);
  if (has_port) {
    unsigned port = 0;
    const std::string_view digits = authority.substr(colon + 1);
    const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (r.ptr != digits.data() + digits.size() || digits.empty() || port == 0 || port > 65535) {
      return error = "bad port '" + std::string(digits) + "' in '" + text + "'", std::nullopt;
    }
    url.port = static_cast<std::uint16_t>(port);
    authority = authority.substr(0, colon);
  }
  if (authority.size() >= 2 && authority.front() == '[' && authority.back() == ']') authority = authority.substr(1, authority.size() - 2);
  if (!authority.empty()) url.host = std::string(authority);
  return url;
}

}  // namespace brokersim::net
