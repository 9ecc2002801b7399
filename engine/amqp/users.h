#pragma once
// Who may log in. As in RabbitMQ, the default user guest/guest exists but may connect only
// from loopback; more users come from a file of "name:password" lines.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace brokersim::amqp {

class Users {
 public:
  Users();  // guest/guest, loopback only

  void add(std::string name, std::string password, bool loopback_only = false);
  // Reads "name:password" lines ('#' starts a comment). Returns an error message
  // ("file:line: what is wrong") or nothing.
  std::optional<std::string> load_file(const std::string& path);

  enum class Verdict { kAccepted, kWrongCredentials, kLoopbackOnly };
  Verdict check(std::string_view name, std::string_view password, bool peer_is_loopback) const;

 private:
  std::map<std::string, std::string, std::less<>> passwords_;
  std::set<std::string, std::less<>> loopback_only_;
};

}  // namespace brokersim::amqp
