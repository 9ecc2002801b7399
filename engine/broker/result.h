#pragma once
// A value or a protocol error. (std::expected is C++23; Debian 12's GCC lacks it.)
#include <cassert>
#include <utility>
#include <variant>

#include "broker/reply_code.h"

namespace brokersim::broker {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const {
    assert(ok());
    return std::get<0>(state_);
  }
  T* operator->() { return &value(); }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(state_);
  }
  ReplyCode code() const { return ok() ? ReplyCode::kSuccess : error().code; }

 private:
  std::variant<T, Error> state_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace brokersim::broker
