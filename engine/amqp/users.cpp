#include "amqp/users.h"

#include <fstream>

namespace brokersim::amqp {

Users::Users() { add("guest", "guest", /*loopback_only=*/true); }

void Users::add(std::string name, std::string password, bool loopback_only) {
  if (loopback_only) {
    loopback_only_.insert(name);
  } else {
    loopback_only_.erase(name);
  }
  passwords_[std::move(name)] = std::move(password);
}

std::optional<std::string> Users::load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return path + ": cannot open the users file";
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
      return path + ":" + std::to_string(number) + ": expected name:password";
    }
    add(line.substr(0, colon), line.substr(colon + 1));
  }
  return std::nullopt;
}

Users::Verdict Users::check(std::string_view name, std::string_view password, bool peer_is_loopback) const {
  auto it = passwords_.find(name);
  if (it == passwords_.end() || it->second != password) return Verdict::kWrongCredentials;
  if (!peer_is_loopback && loopback_only_.count(name) > 0) return Verdict::kLoopbackOnly;
  return Verdict::kAccepted;
}

}  // namespace brokersim::amqp
