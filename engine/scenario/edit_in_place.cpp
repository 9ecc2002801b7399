#include "scenario/edit_in_place.h"

#include <algorithm>
#include <map>
#include <regex>
#include <vector>

#include "scenario/loader.h"
#include "scenario/writer.h"

namespace brokersim::scenario {
namespace {

using Lines = std::vector<std::string>;

Lines split_lines(const std::string& text) {
  Lines lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

std::size_t indent_of(const std::string& line) { return line.find_first_not_of(' '); }

// Where one list item sits in the file: its lines [first, last) and the column of its dash.
struct Range {
  std::size_t first = 0, last = 0, dash = 0;
};

// The item the loader found at `at`: up from there to the line whose dash opens it, and down
// to the next line as far left as that dash (the next item, a comment before it, or the
// next section).
std::optional<Range> item_range(const Lines& lines, scenario::Position at) {
  if (at.line <= 0 || static_cast<std::size_t>(at.line) > lines.size()) return std::nullopt;
  std::size_t row = static_cast<std::size_t>(at.line - 1);
  std::size_t column = static_cast<std::size_t>(std::max(1, at.column) - 1);
  while (true) {
    const std::size_t ind = indent_of(lines[row]);
    if (ind != std::string::npos && ind < column && lines[row][ind] == '-') break;
    if (ind != std::string::npos && lines[row][ind] != '#') column = std::min(column, ind);
    if (row == 0) return std::nullopt;
    --row;
  }
  Range r{row, row + 1, indent_of(lines[row])};
  while (r.last < lines.size()) {
    const std::size_t ind = indent_of(lines[r.last]);
    if (ind != std::string::npos && ind <= r.dash) break;
    ++r.last;
  }
  return r;
}

// The text of an item, indented to sit at `dash`.
Lines placed(const std::string& item, std::size_t dash) {
  Lines out;
  for (const std::string& line : split_lines(item)) out.push_back(std::string(dash, ' ') + line);
  return out;
}

class Editor {
 public:
  explicit Editor(const std::string& original) : lines_(split_lines(original)), removed_(lines_.size(), false) {}

  // Applies one section's difference. `key` finds the section when the file has none of its
  // items: a top-level key ("actors"), or a key under broker ("exchanges").
  bool section(const std::vector<SectionItem>& base, const std::vector<SectionItem>& edited, const std::string& key,
               bool under_broker) {
    std::multimap<std::string, const SectionItem*> remaining;
    for (const SectionItem& item : base) remaining.emplace(item.text, &item);
    std::vector<const SectionItem*> added;
    for (const SectionItem& item : edited) {
      auto it = remaining.find(item.text);
      if (it != remaining.end()) remaining.erase(it);
      else added.push_back(&item);
    }
    std::optional<Range> last;
    for (const SectionItem& item : base) {
      const std::optional<Range> r = item_range(lines_, item.at);
      if (!r) return false;
      if (!last || r->last > last->last) last = r;
    }
    for (const auto& [text, item] : remaining) {
      const std::optional<Range> r = item_range(lines_, item->at);
      for (std::size_t row = r->first; row < r->last; ++row) removed_[row] = true;
    }
    if (added.empty()) return true;
    std::size_t at = 0, dash = 0;
    if (last) {
      at = last->last;
      dash = last->dash;
    } else if (!open_section(key, under_broker, at, dash)) {
      return false;
    }
    for (const SectionItem* item : added)
      for (std::string& line : placed(item->text, dash)) inserted_[at].push_back(std::move(line));
    return true;
  }

  std::string text() const {
    std::string out;
    for (std::size_t row = 0; row <= lines_.size(); ++row) {
      if (auto it = inserted_.find(row); it != inserted_.end())
        for (const std::string& line : it->second) out += line + "\n";
      if (row < lines_.size() && !removed_[row]) out += lines_[row] + "\n";
    }
    return out;
  }

 private:
  // Finds (or makes) the section's key line; items go after it. A key holding "[]" loses it.
  bool open_section(const std::string& key, bool under_broker, std::size_t& at, std::size_t& dash) {
    const std::regex key_line("^( *)" + key + ":\\s*(\\[\\])?\\s*(#.*)?$");
    std::size_t from = 0;
    if (under_broker) {
      const std::regex broker_line("^broker:\\s*(#.*)?$");
      while (from < lines_.size() && !std::regex_match(lines_[from], broker_line)) ++from;
      if (from == lines_.size()) return false;
      ++from;
    }
    for (std::size_t row = from; row < lines_.size(); ++row) {
      std::smatch m;
      if (under_broker && indent_of(lines_[row]) == 0) break;  // past the broker section
      if (!std::regex_match(lines_[row], m, key_line)) continue;
      if (m[2].matched) lines_[row] = m[1].str() + key + ":";
      at = row + 1;
      dash = static_cast<std::size_t>(m[1].length()) + 2;
      return true;
    }
    // No such key: a new one, under broker or at the end of the file.
    at = under_broker ? from : lines_.size();
    inserted_[at].push_back(std::string(under_broker ? 2 : 0, ' ') + key + ":");
    dash = under_broker ? 4 : 2;
    return true;
  }

  Lines lines_;
  std::vector<bool> removed_;
  std::map<std::size_t, Lines> inserted_;  // before this row
};

}  // namespace

std::optional<std::string> edit_in_place(const std::string& original, const scenario::Scenario& base,
                                         const scenario::Scenario& edited) {
  const SectionItems before = section_items(base), after = section_items(edited);
  Editor editor(original);
  if (!editor.section(before.exchanges, after.exchanges, "exchanges", true) ||
      !editor.section(before.queues, after.queues, "queues", true) ||
      !editor.section(before.bindings, after.bindings, "bindings", true) ||
      !editor.section(before.actors, after.actors, "actors", false) ||
      !editor.section(before.timeline, after.timeline, "timeline", false))
    return std::nullopt;
  std::string text = editor.text();
  // The proof: the edited file reads back as the edited scenario.
  const scenario::LoadResult reread = scenario::load_scenario_text(text, "edited.yaml");
  if (!reread.ok() || scenario_to_yaml(reread.scenario) != scenario_to_yaml(edited)) return std::nullopt;
  return text;
}

}  // namespace brokersim::scenario
