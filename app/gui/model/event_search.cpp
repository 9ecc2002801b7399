#include "gui/model/event_search.h"

#include <algorithm>
#include <cctype>

#include "trace/describe.h"

namespace brokersim::gui {

std::string lower_trimmed(std::string_view text) {
  std::string s(text);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::vector<std::uint32_t> matching_rows(const Session& session, std::string_view needle, bool messages_only) {
  const trace::TraceLog& log = session.trace();
  const std::string wanted = lower_trimmed(needle);
  const auto& order = session.animation().shown_order;
  std::vector<std::uint32_t> rows;
  for (std::size_t row = 0; row < order.size(); ++row) {
    const std::uint32_t i = order[row];
    if (messages_only && trace::category_of(log.kind_at(i)) != trace::EventCategory::kMessage) continue;
    if (!wanted.empty() && lower_trimmed(session.describe(log.at(i))).find(wanted) == std::string::npos) continue;
    rows.push_back(static_cast<std::uint32_t>(row));
  }
  return rows;
}

}  // namespace brokersim::gui
