#include "gui/model/message_numbers.h"

#include <algorithm>
#include <vector>

#include "sim/rng.h"

namespace brokersim::gui {

namespace {

// Where each published message of a run came from, as a hash, by message id (0: none, an id
// the run never published). Message ids count up from 1, so a vector indexes them.
class Origins {
 public:
  explicit Origins(const trace::TraceLog& log) : log_(log) {}

  std::vector<std::uint64_t> of_every_message() {
    std::vector<std::uint64_t> origin_by_id;
    for (std::size_t i = 0; i < log_.size(); ++i) {
      const trace::EventKind kind = log_.kind_at(i);
      if (kind == trace::EventKind::kConnectionOpened) opened(log_.at(i));
      // Publishes and deliveries are most of a run: read their fields, not whole events.
      if (kind != trace::EventKind::kPublished && kind != trace::EventKind::kDelivered) continue;
      const std::uint64_t id = log_.message_id_at(i);
      if (id >= origin_by_id.size()) origin_by_id.resize(std::max<std::size_t>(id + 1, origin_by_id.size() * 2), 0);
      if (kind == trace::EventKind::kDelivered) last_received_[log_.connection_at(i)] = origin_by_id[id];
      else if (origin_by_id[id] == 0) origin_by_id[id] = origin(i);
    }
    return origin_by_id;
  }

 private:
  // The scenario's own connection publishes at fixed times (its timeline, hand publishes), so
  // the time tells its messages apart; an actor or a client is known by its name, and what it
  // publishes by the message it last received (a service's follow-up, a server's reply).
  void opened(const trace::Event& e) {
    publisher_[e.connection] =
        e.role == trace::ConnectionRole::kScenario ? sim::hash_text("the scenario") : sim::hash_text(e.text);
    by_time_[e.connection] = e.role == trace::ConnectionRole::kScenario;
  }

  std::uint64_t origin(std::size_t i) {
    const std::uint64_t connection = log_.connection_at(i);
    std::uint64_t key = sim::mix_seed(publisher_[connection], text_hash(log_.exchange_at(i)));
    key = sim::mix_seed(key, text_hash(log_.routing_key_at(i)));
    key = sim::mix_seed(key, by_time_[connection] ? static_cast<std::uint64_t>(log_.time_at(i)) : last_received_[connection]);
    return sim::mix_seed(key, ++alike_[key]);  // the how-manyth alike, counting from 1
  }

  // The trace keeps each distinct string once, so while a finished run is read a string's
  // address names it: hash each once.
  std::uint64_t text_hash(const std::string& text) {
    auto [it, added] = text_hashes_.try_emplace(&text, 0);
    if (added) it->second = sim::hash_text(text);
    return it->second;
  }

  const trace::TraceLog& log_;
  std::unordered_map<std::uint64_t, std::uint64_t> publisher_;      // by connection
  std::unordered_map<std::uint64_t, bool> by_time_;                 // by connection
  std::unordered_map<std::uint64_t, std::uint64_t> last_received_;  // by connection: an origin
  std::unordered_map<std::uint64_t, std::uint64_t> alike_;          // by key so far
  std::unordered_map<const std::string*, std::uint64_t> text_hashes_;
};

}  // namespace

void MessageNumbers::reset() {
  number_by_origin_.clear();
  highest_ = 0;
}

void MessageNumbers::number(const trace::TraceLog& log) {
  const bool first_run = number_by_origin_.empty();
  const std::vector<std::uint64_t> origins = Origins(log).of_every_message();
  shown_by_id_.assign(origins.size(), 0);
  id_by_shown_.assign(std::max<std::size_t>(origins.size(), highest_ + 1), 0);
  auto taken = [&](std::uint64_t number) { return number < id_by_shown_.size() && id_by_shown_[number] != 0; };
  number_by_origin_.reserve(origins.size());
  // New messages are numbered in publish order, which is id order.
  for (std::uint64_t id = 1; id < origins.size(); ++id) {
    const std::uint64_t origin = origins[id];
    if (origin == 0) continue;
    auto [it, added] = number_by_origin_.try_emplace(origin, first_run ? id : highest_ + 1);
    highest_ = std::max(highest_, it->second);
    // Two messages of one run never share a number, even if their origins collide.
    if (taken(it->second)) it = number_by_origin_.insert_or_assign(origin, ++highest_).first;
    shown_by_id_[id] = it->second;
    if (it->second >= id_by_shown_.size()) id_by_shown_.resize(it->second * 2, 0);
    id_by_shown_[it->second] = id;
  }
}

std::uint64_t MessageNumbers::shown(std::uint64_t message_id) const {
  const std::uint64_t number = message_id < shown_by_id_.size() ? shown_by_id_[message_id] : 0;
  return number != 0 ? number : message_id;
}

std::uint64_t MessageNumbers::message(std::uint64_t shown_number) const {
  return shown_number < id_by_shown_.size() ? id_by_shown_[shown_number] : 0;
}

}  // namespace brokersim::gui
