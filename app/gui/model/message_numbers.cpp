#include "gui/model/message_numbers.h"

#include <map>
#include <tuple>

#include "sim/rng.h"

namespace brokersim::gui {

namespace {

// Where each published message of a run came from, as a hash, by message id.
class Origins {
 public:
  explicit Origins(const trace::TraceLog& log) : log_(log) {}

  std::unordered_map<std::uint64_t, std::uint64_t> of_every_message() {
    std::unordered_map<std::uint64_t, std::uint64_t> origin_by_id;
    for (std::size_t i = 0; i < log_.size(); ++i) {
      switch (log_.kind_at(i)) {
        case trace::EventKind::kConnectionOpened: opened(log_.at(i)); break;
        case trace::EventKind::kDelivered: {
          const trace::Event e = log_.at(i);
          last_received_[e.connection] = origin_by_id[e.message_id];
          break;
        }
        case trace::EventKind::kPublished: {
          const trace::Event e = log_.at(i);
          origin_by_id.try_emplace(e.message_id, origin(e));
          break;
        }
        default: break;
      }
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

  std::uint64_t origin(const trace::Event& e) {
    std::uint64_t key = sim::mix_seed(publisher_[e.connection], sim::hash_text(e.exchange));
    key = sim::mix_seed(key, sim::hash_text(e.routing_key));
    key = sim::mix_seed(key, by_time_[e.connection] ? static_cast<std::uint64_t>(e.time_us) : last_received_[e.connection]);
    return sim::mix_seed(key, ++alike_[key]);  // the how-manyth alike, counting from 1
  }

  const trace::TraceLog& log_;
  std::unordered_map<std::uint64_t, std::uint64_t> publisher_;      // by connection
  std::unordered_map<std::uint64_t, bool> by_time_;                 // by connection
  std::unordered_map<std::uint64_t, std::uint64_t> last_received_;  // by connection: an origin
  std::unordered_map<std::uint64_t, std::uint64_t> alike_;          // by key so far
};

}  // namespace

void MessageNumbers::reset() {
  number_by_origin_.clear();
  highest_ = 0;
}

void MessageNumbers::number(const trace::TraceLog& log) {
  const bool first_run = number_by_origin_.empty();
  std::unordered_map<std::uint64_t, std::uint64_t> origins = Origins(log).of_every_message();
  // New messages are numbered in publish order: by id.
  std::map<std::uint64_t, std::uint64_t> by_id(origins.begin(), origins.end());
  shown_by_id_.clear();
  id_by_shown_.clear();
  for (const auto& [id, origin] : by_id) {
    auto [it, added] = number_by_origin_.try_emplace(origin, first_run ? id : highest_ + 1);
    highest_ = std::max(highest_, it->second);
    // Two messages of one run never share a number, even if their origins collide.
    if (id_by_shown_.count(it->second)) it = number_by_origin_.insert_or_assign(origin, ++highest_).first;
    shown_by_id_[id] = it->second;
    id_by_shown_[it->second] = id;
  }
}

std::uint64_t MessageNumbers::shown(std::uint64_t message_id) const {
  auto it = shown_by_id_.find(message_id);
  return it == shown_by_id_.end() ? message_id : it->second;
}

std::uint64_t MessageNumbers::message(std::uint64_t shown_number) const {
  auto it = id_by_shown_.find(shown_number);
  return it == id_by_shown_.end() ? 0 : it->second;
}

}  // namespace brokersim::gui
