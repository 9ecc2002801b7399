#include "scenario/quiz.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <set>

#include "broker/field_table.h"
#include "scenario/expectations.h"
#include "scenario/lesson.h"
#include "scenario/runner.h"
#include "trace/describe.h"

namespace brokersim::scenario {

namespace {

constexpr std::string_view kOutcomes[] = {"delivered", "acked",    "requeued", "dead-lettered", "expired",
                                          "dropped",   "returned", "lost",     "stays"};

// What one event did to a message copy, in the quiz's words: {outcome, detail}.
std::optional<std::pair<std::string, std::string>> fate_of(const trace::Event& e) {
  using K = trace::EventKind;
  const std::string reason(trace::reason_name(e.reason));
  switch (e.kind) {
    case K::kDelivered: return std::pair{std::string("delivered"), e.has(trace::kBasicGet) ? std::string("basic.get") : e.consumer_tag};
    case K::kAcked: return std::pair{std::string("acked"), std::string()};
    case K::kRequeued: return std::pair{std::string("requeued"), std::string()};
    case K::kDeadLettered: return std::pair{std::string("dead-lettered"), reason};
    case K::kDropped:
      if (e.reason == trace::Reason::kExpired) return std::pair{std::string("expired"), std::string()};
      return std::pair{std::string("dropped"), reason};
    case K::kReturned: return std::pair{std::string("returned"), std::string()};
    case K::kLostInConsumer: return std::pair{std::string("lost"), e.consumer_tag};
    default: return std::nullopt;
  }
}

struct FateEvent {
  std::uint64_t seq = 0;
  sim::TimeUs time_us = 0;
  std::uint64_t message = 0;
  std::string queue;
  std::string outcome, detail;
};

// One full run: every fate event, and when each triggered lesson step came due.
struct Recording final : trace::Sink {
  explicit Recording(const Scenario& s) : scenario(s), follower(s.lesson), moments(s.lesson.size()) {}
  void on_event(const trace::Event& e) override {
    for (const LessonStep* step : follower.on_event(e)) {
      moments[static_cast<std::size_t>(step - scenario.lesson.data())] = {e.time_us, e.seq};
    }
    if (e.kind == trace::EventKind::kPublished) published.insert(e.message_id);
    if (auto fate = fate_of(e)) fates.push_back({e.seq, e.time_us, e.message_id, e.queue, fate->first, fate->second});
  }
  const Scenario& scenario;
  LessonFollower follower;
  std::vector<std::pair<sim::TimeUs, std::uint64_t>> moments;  // per step: time and seq of its trigger
  std::vector<FateEvent> fates;
  std::set<std::uint64_t> published;
};

Answer fate_answer(const Recording& recording, const Question& q, std::uint64_t message, const LessonStep& step,
                   std::pair<sim::TimeUs, std::uint64_t> moment) {
  Answer a{.kind = Question::Kind::kFate, .outcome = "stays"};
  if (!recording.published.count(message)) {
    a.outcome.clear();  // never published: the question cannot be answered
    return a;
  }
  for (const FateEvent& f : recording.fates) {
    const bool after = step.when ? f.seq > moment.second : f.time_us > step.at_us;
    if (!after || f.message != message || (!q.fate_queue.empty() && f.queue != q.fate_queue)) continue;
    a.outcome = f.outcome;
    a.detail = f.detail;
    return a;
  }
  return a;
}

// The broker as it stands at `time_us`: the scenario played up to then.
void answer_from_state(const Scenario& s, sim::TimeUs time_us, AskedQuestion& asked) {
  const Question& q = *asked.step->ask;
  Runner runner(s, {.until_us = std::max(time_us, q.kind == Question::Kind::kCount ? q.count_at_us : time_us)});
  runner.run();
  for (const auto& [name, queue] : runner.broker().queues()) asked.known_queues.push_back(name);
  if (q.kind == Question::Kind::kCount) {
    const Expectation depth{Expectation::Subject::kQueue, q.queue, "depth", 0, q.count_at_us, q.at};
    const auto value = measure(depth, runner);
    if (!value) asked.error = "queue '" + q.queue + "' does not exist at " + trace::format_time(q.count_at_us);
    asked.answer.count = value.value_or(0);
    return;
  }
  broker::BasicProperties properties;
  properties.headers = q.headers;
  auto route = runner.live_broker().explain_route(q.exchange, q.routing_key, properties);
  if (!route.ok()) {
    asked.error = "at " + trace::format_time(time_us) + ": " + route.error().text;
    return;
  }
  for (const broker::Queue* target : route.value().queues) asked.answer.queues.push_back(target->name());
  std::sort(asked.answer.queues.begin(), asked.answer.queues.end());
}

std::string quoted_exchange(const std::string& name) { return name.empty() ? "the default exchange" : "exchange '" + name + "'"; }

std::string generated_prompt(const Question& q) {
  switch (q.kind) {
    case Question::Kind::kRoute:
      return "Which queues get a message published now to " + quoted_exchange(q.exchange) + " with routing key '" +
             q.routing_key + "'" + (q.headers ? " and headers " + broker::to_display(*q.headers) : "") + "?";
    case Question::Kind::kFate:
      return "What happens next to message #" + std::to_string(q.message) +
             (q.fate_queue.empty() ? "" : " in queue '" + q.fate_queue + "'") + "?";
    case Question::Kind::kCount:
      return "How many messages will be waiting (ready) in queue '" + q.queue + "' at " + trace::format_time(q.count_at_us) + "?";
    case Question::Kind::kChoice: return "";
  }
  return "";
}

std::vector<std::string> answer_options(const AskedQuestion& asked) {
  const Question& q = *asked.step->ask;
  switch (q.kind) {
    case Question::Kind::kRoute: return asked.known_queues;
    case Question::Kind::kFate: return {std::begin(kOutcomes), std::end(kOutcomes)};
    case Question::Kind::kCount: return {};
    case Question::Kind::kChoice: {
      std::vector<std::string> out;
      for (std::size_t i = 0; i < q.options.size(); ++i) out.push_back(std::string(1, static_cast<char>('a' + i)) + ") " + q.options[i]);
      return out;
    }
  }
  return {};
}

std::string lowercase_trimmed(std::string_view text) {
  std::string out;
  for (char c : text) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto first = out.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return out.substr(first, out.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

std::string_view question_kind_name(Question::Kind kind) {
  switch (kind) {
    case Question::Kind::kRoute: return "route";
    case Question::Kind::kFate: return "fate";
    case Question::Kind::kCount: return "count";
    case Question::Kind::kChoice: return "choice";
  }
  return "choice";
}

std::string Answer::text() const {
  switch (kind) {
    case Question::Kind::kRoute: {
      if (queues.empty()) return "none";
      std::string out;
      for (const auto& q : queues) out += (out.empty() ? "" : ", ") + q;
      return out;
    }
    case Question::Kind::kFate:
      if (detail.empty()) return outcome;
      return outcome == "delivered" || outcome == "lost" ? outcome + " to " + detail : outcome + " (" + detail + ")";
    case Question::Kind::kCount: return std::to_string(count);
    case Question::Kind::kChoice: return std::string(1, static_cast<char>('a' + choice));
  }
  return "";
}

std::vector<AskedQuestion> answer_questions(const Scenario& scenario, const MessageLookup& message_in_run) {
  // Most scenarios ask nothing: then there is no run to record.
  if (std::none_of(scenario.lesson.begin(), scenario.lesson.end(), [](const LessonStep& l) { return l.ask.has_value(); })) return {};
  Recording recording(scenario);
  {
    Runner runner(scenario, {.sinks = {&recording}});
    runner.run();
  }
  std::vector<AskedQuestion> out;
  for (const LessonStep& step : scenario.lesson) {
    if (!step.ask) continue;
    AskedQuestion asked;
    asked.step = &step;
    asked.number = out.size() + 1;
    const auto moment = recording.moments[static_cast<std::size_t>(&step - scenario.lesson.data())];
    asked.moment_us = step.when ? moment.first : step.at_us;
    const Question& q = *step.ask;
    asked.prompt = q.prompt.empty() ? generated_prompt(q) : q.prompt;
    asked.answer.kind = q.kind;
    if (q.kind == Question::Kind::kFate) {
      const std::uint64_t message = message_in_run ? message_in_run(q.message) : q.message;
      asked.answer = fate_answer(recording, q, message, step, moment);
      if (asked.answer.outcome.empty()) asked.error = "message #" + std::to_string(q.message) + " is never published in the run";
    }
    if (q.kind == Question::Kind::kRoute || q.kind == Question::Kind::kCount) answer_from_state(scenario, asked.moment_us, asked);
    if (q.kind == Question::Kind::kChoice) asked.answer.choice = q.answer;
    asked.options = answer_options(asked);
    out.push_back(std::move(asked));
  }
  return out;
}

namespace {

Judgement judge_route(const AskedQuestion& q, const std::string& input) {
  std::vector<std::string> named;
  if (input != "none" && input != "-" && input != "nothing") {
    std::size_t start = 0;
    while (start <= input.size()) {
      std::size_t comma = input.find(',', start);
      if (comma == std::string::npos) comma = input.size();
      const std::string name = lowercase_trimmed(input.substr(start, comma - start));
      if (!name.empty()) named.push_back(name);
      start = comma + 1;
    }
  }
  if (named.empty() && input != "none" && input != "-" && input != "nothing") {
    return {false, false, "name the queues, separated by commas, or answer 'none'"};
  }
  std::vector<std::string> exact;
  for (const std::string& n : named) {
    auto known = std::find_if(q.known_queues.begin(), q.known_queues.end(), [&](const std::string& k) { return lowercase_trimmed(k) == n; });
    if (known == q.known_queues.end()) {
      std::string list;
      for (const auto& k : q.known_queues) list += (list.empty() ? "" : ", ") + k;
      return {false, false, "there is no queue named '" + n + "' at this moment (the queues are: " + list + ")"};
    }
    exact.push_back(*known);
  }
  std::sort(exact.begin(), exact.end());
  exact.erase(std::unique(exact.begin(), exact.end()), exact.end());
  return {true, exact == q.answer.queues, ""};
}

Judgement judge_fate(const AskedQuestion& q, std::string input) {
  for (std::string_view spelling : {"dead lettered", "deadlettered", "dead_lettered"}) {
    if (input.starts_with(spelling)) input = "dead-lettered" + input.substr(spelling.size());
  }
  const std::string word = input.substr(0, input.find_first_of(" (\t"));
  if (std::find(std::begin(kOutcomes), std::end(kOutcomes), word) == std::end(kOutcomes)) {
    std::string list;
    for (std::string_view o : kOutcomes) list += (list.empty() ? "" : ", ") + std::string(o);
    return {false, false, "'" + word + "' is not an outcome; answer one of: " + list};
  }
  std::string rest = input.substr(word.size());
  std::erase_if(rest, [](char c) { return c == '(' || c == ')' || c == '\''; });
  rest = lowercase_trimmed(rest);
  if (rest.starts_with("to ")) rest = lowercase_trimmed(rest.substr(3));
  const bool detail_ok = rest.empty() || rest == lowercase_trimmed(q.answer.detail);
  return {true, word == q.answer.outcome && detail_ok, ""};
}

Judgement judge_count(const AskedQuestion& q, const std::string& input) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(input.data(), input.data() + input.size(), value);
  if (ec != std::errc() || end != input.data() + input.size() || value < 0) {
    return {false, false, "'" + input + "' is not a number of messages; answer with a whole number such as 3"};
  }
  return {true, value == q.answer.count, ""};
}

Judgement judge_choice(const AskedQuestion& q, const std::string& input) {
  const auto& options = q.step->ask->options;
  for (std::size_t i = 0; i < options.size(); ++i) {
    const std::string letter(1, static_cast<char>('a' + i));
    if (input == letter || input == letter + ")" || input == lowercase_trimmed(options[i])) return {true, i == q.answer.choice, ""};
  }
  return {false, false, "answer with a letter from a to " + std::string(1, static_cast<char>('a' + options.size() - 1)) +
                            ", or an option's text"};
}

}  // namespace

Judgement judge(const AskedQuestion& question, std::string_view input) {
  std::string text = lowercase_trimmed(input);
  // "Q3: 2", as --answers prints it, is the answer 2 to question 3.
  const std::string label = "q" + std::to_string(question.number) + ":";
  if (text.starts_with(label)) text = lowercase_trimmed(text.substr(label.size()));
  if (text.empty()) return {false, false, "no answer given"};
  if (text.size() > 4096) return {false, false, "that answer is too long"};
  Judgement j;
  switch (question.answer.kind) {
    case Question::Kind::kRoute: j = judge_route(question, text); break;
    case Question::Kind::kFate: j = judge_fate(question, text); break;
    case Question::Kind::kCount: j = judge_count(question, text); break;
    case Question::Kind::kChoice: j = judge_choice(question, text); break;
  }
  if (j.understood) j.message = (j.correct ? "right" : "wrong") + std::string(": the answer is ") + question.answer.text();
  return j;
}

}  // namespace brokersim::scenario
