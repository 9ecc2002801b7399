#pragma once
// Names that begin "amq." are the broker's: its built-in exchanges carry them, a client that
// declares one is refused (403 ACCESS_REFUSED), and definitions import and export skip them.
#include <string_view>

namespace brokersim::broker {

inline bool is_reserved_name(std::string_view name) { return name.starts_with("amq."); }

}  // namespace brokersim::broker
