#pragma once
// What a session command did: done, or refused with the reason, in which case nothing changed.
// The reason is the engine's or RabbitMQ's own words, for the status bar.
#include <string>
#include <utility>

namespace brokersim::gui {

class [[nodiscard]] Status {
 public:
  static Status done() { return Status(); }
  static Status refused(std::string why) {
    Status s;
    s.error_ = why.empty() ? std::string("refused") : std::move(why);
    return s;
  }
  bool ok() const { return error_.empty(); }
  explicit operator bool() const { return ok(); }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

}  // namespace brokersim::gui
