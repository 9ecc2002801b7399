#pragma once
// A decoded method's arguments read by their spec names, with the names checked while
// compiling: args_of<kQueueDeclare>(method).text<"queue">() builds, and .text<"queeu">() or
// .flag<"queue">() (a string read as a bit) does not. The spec table (method_spec.h) is the one
// place the names and types are written.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "amqp/method.h"
#include "amqp/method_spec.h"
#include "sim/assert.h"

namespace brokersim::amqp {

// A string literal as a template argument.
template <std::size_t N>
struct ArgName {
  char text[N]{};
  consteval ArgName(const char (&name)[N]) { std::copy_n(name, N, text); }
  constexpr std::string_view view() const { return {text, N - 1}; }
};

// How an argument reads: the wire's integer widths all read as a number.
enum class ArgKind : std::uint8_t { kNumber, kFlag, kText, kTable };

consteval ArgKind kind_of(ArgType type) {
  switch (type) {
    case ArgType::kBit: return ArgKind::kFlag;
    case ArgType::kShortString:
    case ArgType::kLongString: return ArgKind::kText;
    case ArgType::kTable: return ArgKind::kTable;
    default: return ArgKind::kNumber;
  }
}

// The spec of method `id`. Runs only while compiling, as do the lookups below: where one
// throws, the build stops at the call that asked.
consteval const MethodSpec& spec_for(std::uint32_t id) {
  for (const MethodSpec& method : spec::kMethods)
    if (method.id == id) return method;
  throw "no such method";
}

// Where argument `name` of method `id` sits, if it is of `kind`.
consteval std::size_t arg_position(std::uint32_t id, std::string_view name, ArgKind kind) {
  const MethodSpec& method = spec_for(id);
  for (std::size_t i = 0; i < method.args.size(); ++i)
    if (method.args[i].name == name) {
      if (kind_of(method.args[i].type) != kind) throw "this argument is of another type";
      return i;
    }
  throw "this method has no argument of that name";
}

template <std::uint32_t Id>
class MethodArgs {
 public:
  // `method` is method Id, or one with the same arguments (exchange.unbind read as exchange.bind).
  explicit MethodArgs(const Method& method) : method_(method) {
    BROKERSIM_ASSERT(method.spec->args.data() == spec_for(Id).args.data());
  }

  template <ArgName Name>
  std::uint64_t number() const {
    return std::get<std::uint64_t>(method_.args[arg_position(Id, Name.view(), ArgKind::kNumber)]);
  }
  template <ArgName Name>
  bool flag() const {
    return std::get<std::uint64_t>(method_.args[arg_position(Id, Name.view(), ArgKind::kFlag)]) != 0;
  }
  template <ArgName Name>
  const std::string& text() const {
    return std::get<std::string>(method_.args[arg_position(Id, Name.view(), ArgKind::kText)]);
  }
  template <ArgName Name>
  const broker::FieldTable& table() const {
    return std::get<broker::FieldTable>(method_.args[arg_position(Id, Name.view(), ArgKind::kTable)]);
  }

 private:
  const Method& method_;
};

template <std::uint32_t Id>
MethodArgs<Id> args_of(const Method& method) {
  return MethodArgs<Id>(method);
}

}  // namespace brokersim::amqp
