#include "scenario/message_template.h"

#include <algorithm>
#include <charconv>

namespace brokersim::scenario {

void expand(std::string& out, std::string_view text, std::initializer_list<Variable> variables) {
  out.clear();
  std::size_t at = text.find("${");
  std::size_t copied = 0;
  for (; at != std::string_view::npos; at = text.find("${", at + 1)) {
    const std::size_t close = text.find('}', at + 2);
    if (close == std::string_view::npos) break;
    const std::string_view name = text.substr(at + 2, close - at - 2);
    const auto it = std::find_if(variables.begin(), variables.end(), [&](const Variable& v) { return v.name == name; });
    if (it == variables.end()) continue;
    out.append(text.substr(copied, at - copied)).append(it->value);
    copied = close + 1;
    at = close;
  }
  out.append(text.substr(copied));
}

void fill_publish(broker::Publish& p, const std::string& exchange, const MessageTemplate& t, std::uint64_t seq,
                  const std::string& producer, const broker::Message* handled) {
  p.exchange = exchange;
  p.routing_key = t.routing_key;
  p.mandatory = false;
  p.immediate = false;
  p.properties = t.properties;
  p.label = t.label;
  char digits[24];
  const std::string_view seq_text(digits, static_cast<std::size_t>(std::to_chars(digits, digits + sizeof digits, seq).ptr - digits));
  if (handled) {
    const auto& id = handled->properties().correlation_id;
    const std::string_view correlation_id = id ? std::string_view(*id) : std::string_view{};
    expand(p.body, t.body, {{"seq", seq_text}, {"producer", producer}, {"body", handled->body()},
                            {"correlation_id", correlation_id}});
    if (!correlation_id.empty() && !p.properties.correlation_id) p.properties.correlation_id = correlation_id;
  } else {
    expand(p.body, t.body, {{"seq", seq_text}, {"producer", producer}});
  }
}

}  // namespace brokersim::scenario
