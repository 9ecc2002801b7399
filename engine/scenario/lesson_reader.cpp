#include "scenario/lesson_reader.h"

#include <string>

#include "trace/event.h"

namespace brokersim::scenario {

namespace {

// Every trace event kind, for "expected one of" in a lesson's `when:`.
std::string event_kinds() {
  std::string list;
  for (int k = 0; k <= static_cast<int>(trace::EventKind::kLostInConsumer); ++k) {
    list += (list.empty() ? "" : ", ") + std::string(trace::kind_name(static_cast<trace::EventKind>(k)));
  }
  return list;
}

LessonStep::Trigger read_trigger(Reader& r, const YAML::Node& w) {
  LessonStep::Trigger t;
  if (!r.mapping(w, "when", {"event", "queue", "exchange", "consumer"})) return t;
  if (!w["event"]) {
    r.error(w, "'when' needs an 'event', such as dead_lettered or returned");
  } else {
    t.event = r.string(w["event"], "event").value_or("");
    if (!trace::parse_kind(t.event)) r.error(w["event"], "unknown event '" + t.event + "' (expected one of: " + event_kinds() + ")");
  }
  with(w, "queue", [&](auto v) { t.queue = r.string(v, "queue").value_or(""); });
  with(w, "exchange", [&](auto v) { t.exchange = r.string(v, "exchange").value_or(""); });
  with(w, "consumer", [&](auto v) { t.consumer = r.string(v, "consumer").value_or(""); });
  return t;
}

void read_route(Reader& r, const YAML::Node& v, Question& q) {
  q.kind = Question::Kind::kRoute;
  if (!r.mapping(v, "route", {"exchange", "routing_key", "headers"})) return;
  if (!v["exchange"]) r.error(v, "a route question needs 'exchange' (\"\" for the default exchange)");
  if (!v["routing_key"]) r.error(v, "a route question needs 'routing_key' (\"\" for the empty key)");
  with(v, "exchange", [&](auto x) { q.exchange = r.string(x, "exchange").value_or(""); });
  with(v, "routing_key", [&](auto x) { q.routing_key = r.string(x, "routing_key").value_or(""); });
  with(v, "headers", [&](auto x) { q.headers = r.field_table(x); });
}

void read_count(Reader& r, const YAML::Node& v, Question& q) {
  q.kind = Question::Kind::kCount;
  if (!r.mapping(v, "count", {"queue", "at"})) return;
  if (!v["queue"] || !v["at"]) r.error(v, "a count question needs 'queue' and 'at': how many messages are in it then");
  with(v, "queue", [&](auto x) { q.queue = r.string(x, "queue").value_or(""); });
  with(v, "at", [&](auto x) { q.count_at_us = r.duration(x, "at").value_or(0); });
}

// fate: N, or {message: N, queue: Q} for one copy of a message that went to several queues.
void read_fate(Reader& r, const YAML::Node& v, Question& q) {
  q.kind = Question::Kind::kFate;
  const char* what = "fate (a message number, as the log shows it)";
  if (!v.IsMap()) {
    q.message = static_cast<std::uint64_t>(r.integer(v, what, 1, INT64_MAX).value_or(1));
    return;
  }
  if (!r.mapping(v, "fate", {"message", "queue"})) return;
  if (!v["message"]) return r.error(v, "fate needs 'message': its number, as the log shows it");
  q.message = static_cast<std::uint64_t>(r.integer(v["message"], what, 1, INT64_MAX).value_or(1));
  with(v, "queue", [&](auto x) { q.fate_queue = r.string(x, "queue").value_or(""); });
}

// A choice's answer: its letter (a, b, ...) or its text.
void read_choice(Reader& r, const YAML::Node& ask, Question& q) {
  q.kind = Question::Kind::kChoice;
  if (!r.sequence(ask["choice"], "choice")) return;
  for (const auto& option : ask["choice"]) q.options.push_back(r.string(option, "an option").value_or(""));
  if (q.options.size() < 2 || q.options.size() > 26) r.error(ask["choice"], "a choice needs between 2 and 26 options");
  if (!ask["question"]) r.error(ask, "a choice question needs 'question': the words the learner reads");
  if (!ask["answer"]) {
    r.error(ask, "a choice question needs 'answer': the right option's letter (a, b, ...) or its text");
    return;
  }
  const std::string answer = r.string(ask["answer"], "answer").value_or("");
  for (std::size_t i = 0; i < q.options.size(); ++i) {
    if (answer == std::string(1, static_cast<char>('a' + i)) || answer == q.options[i]) {
      q.answer = i;
      return;
    }
  }
  r.error(ask["answer"], "'" + answer + "' is neither an option's letter nor its text");
}

Question read_question(Reader& r, const YAML::Node& ask) {
  Question q;
  q.at = position_of(ask);
  if (!r.mapping(ask, "ask", {"route", "fate", "count", "choice", "question", "answer", "explain"})) return q;
  int kinds = 0;
  for (const char* k : {"route", "fate", "count", "choice"}) kinds += ask[k].IsDefined() ? 1 : 0;
  if (kinds != 1) {
    r.error(ask, "an ask needs exactly one of route, fate, count or choice");
    return q;
  }
  with(ask, "route", [&](auto v) { read_route(r, v, q); });
  with(ask, "count", [&](auto v) { read_count(r, v, q); });
  with(ask, "fate", [&](auto v) { read_fate(r, v, q); });
  if (ask["choice"]) read_choice(r, ask, q);
  if (ask["answer"] && q.kind != Question::Kind::kChoice) {
    r.error(ask["answer"], "only a choice question has an authored answer; the engine computes the others");
  }
  with(ask, "question", [&](auto v) { q.prompt = r.string(v, "question").value_or(""); });
  with(ask, "explain", [&](auto v) { q.explanation = r.string(v, "explain").value_or(""); });
  return q;
}

}  // namespace

void read_lesson(Reader& r, const YAML::Node& node, Scenario& s) {
  if (!r.sequence(node, "lesson")) return;
  for (const auto& step : node) {
    if (!r.mapping(step, "a lesson step", {"at", "when", "text", "ask"})) continue;
    LessonStep l;
    l.at = position_of(step);
    if (!step["text"] && !step["ask"]) r.error(step, "a lesson step needs 'text', 'ask' or both");
    if (step["at"].IsDefined() == step["when"].IsDefined()) r.error(step, "a lesson step needs exactly one of 'at' or 'when'");
    with(step, "when", [&](auto w) { l.when = read_trigger(r, w); });
    with(step, "at", [&](auto v) { l.at_us = r.duration(v, "at").value_or(0); });
    with(step, "text", [&](auto v) { l.text = r.string(v, "text").value_or(""); });
    with(step, "ask", [&](auto v) { l.ask = read_question(r, v); });
    s.lesson.push_back(std::move(l));
  }
}

}  // namespace brokersim::scenario
