#include "scenario/writer.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <sstream>
#include <type_traits>
#include <variant>

#include "trace/json_string.h"

namespace brokersim::scenario {
namespace {

using scenario::Distribution;
using scenario::MessageTemplate;
using sim::TimeUs;

// A JSON string is also a valid YAML double-quoted scalar, so the trace's quoter serves here:
// one escaping rule for both, control characters and carriage returns included.
std::string quote(const std::string& s) {
  std::string out;
  trace::append_json_string(out, s);
  return out;
}

// The largest unit that states the duration exactly.
std::string duration(TimeUs us) {
  if (us != 0 && us % sim::seconds(3600) == 0) return std::to_string(us / sim::seconds(3600)) + "h";
  if (us != 0 && us % sim::seconds(60) == 0) return std::to_string(us / sim::seconds(60)) + "m";
  if (us % sim::seconds(1) == 0) return std::to_string(us / sim::seconds(1)) + "s";
  if (us % sim::millis(1) == 0) return std::to_string(us / sim::millis(1)) + "ms";
  return std::to_string(us) + "us";
}

std::string number(double v) {
  char text[40];
  std::snprintf(text, sizeof text, "%.15g", v);
  return text;
}

std::string rate(double per_second) { return number(per_second) + "/s"; }

std::string field_value(const broker::FieldValue& f);

std::string field_table(const broker::FieldTable& t) {
  std::string out = "{";
  for (std::size_t i = 0; i < t.size(); ++i) out += (i ? ", " : "") + quote(t[i].first) + ": " + field_value(t[i].second);
  return out + "}";
}

std::string field_value(const broker::FieldValue& f) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, broker::Void>) {
          return "~";
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_integral_v<T>) {
          return std::to_string(static_cast<long long>(v));
        } else if constexpr (std::is_floating_point_v<T>) {
          return number(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return quote(v);
        } else if constexpr (std::is_same_v<T, broker::ByteArray>) {
          return quote(v.bytes);
        } else if constexpr (std::is_same_v<T, std::shared_ptr<broker::FieldArray>>) {
          std::string out = "[";
          for (std::size_t i = 0; i < v->size(); ++i) out += (i ? ", " : "") + field_value((*v)[i]);
          return out + "]";
        } else if constexpr (std::is_same_v<T, std::shared_ptr<broker::FieldTable>>) {
          return field_table(*v);
        } else {
          // Decimals and timestamps have no scenario syntax; their display form is the
          // nearest thing, as text.
          return quote(broker::to_display(broker::FieldValue::of(v)));
        }
      },
      f.value);
}

std::string distribution(const Distribution& d) {
  switch (d.kind) {
    case Distribution::Kind::kConstant: return duration(d.a_us);
    case Distribution::Kind::kUniform:
      return "{distribution: uniform, min: " + duration(d.a_us) + ", max: " + duration(d.b_us) + "}";
    case Distribution::Kind::kExponential: return "{distribution: exponential, mean: " + duration(d.a_us) + "}";
    case Distribution::Kind::kNormal:
      return "{distribution: normal, mean: " + duration(d.a_us) + ", stddev: " + duration(d.b_us) + "}";
  }
  return duration(d.a_us);
}

std::string properties(const broker::BasicProperties& p) {
  std::string out;
  auto add = [&](const std::string& item) { out += (out.empty() ? "" : ", ") + item; };
  if (p.delivery_mode && *p.delivery_mode == 2) add("persistent: true");
  if (p.priority) add("priority: " + std::to_string(*p.priority));
  if (p.expiration) add("expiration: " + duration(std::stoll(*p.expiration) * sim::kMicrosPerMilli));
  if (p.content_type) add("content_type: " + quote(*p.content_type));
  if (p.type) add("type: " + quote(*p.type));
  if (p.correlation_id) add("correlation_id: " + quote(*p.correlation_id));
  if (p.message_id) add("message_id: " + quote(*p.message_id));
  if (p.reply_to) add("reply_to: " + quote(*p.reply_to));
  if (p.app_id) add("app_id: " + quote(*p.app_id));
  if (p.content_encoding) add("content_encoding: " + quote(*p.content_encoding));
  if (p.timestamp) add("timestamp: " + std::to_string(*p.timestamp));
  return out;
}

// The message fields (without braces), shared by templates, follow-ups and timeline publishes.
std::string message_fields(const MessageTemplate& m, bool with_weight) {
  std::string out;
  auto add = [&](const std::string& item) { out += (out.empty() ? "" : ", ") + item; };
  if (with_weight && m.weight != 1) add("weight: " + std::to_string(m.weight));
  if (!m.label.empty()) add("label: " + quote(m.label));
  add("routing_key: " + quote(m.routing_key));
  if (m.properties.headers && !m.properties.headers->empty()) add("headers: " + field_table(*m.properties.headers));
  if (const std::string p = properties(m.properties); !p.empty()) add("properties: {" + p + "}");
  add("body: " + quote(m.body));
  return out;
}

std::string exchange_fields(const scenario::ExchangeSpec& x) {
  std::string out = "{name: " + quote(x.name) + ", type: " + x.type;
  if (x.durable) out += ", durable: true";
  if (x.auto_delete) out += ", auto_delete: true";
  if (x.internal) out += ", internal: true";
  if (!x.arguments.empty()) out += ", arguments: " + field_table(x.arguments);
  return out + "}";
}

// A queue's fields; `bind` adds a consumer's own bindings.
std::string queue_fields(const scenario::QueueSpec& q, const std::vector<scenario::BindingSpec>* bind = nullptr) {
  std::string out = "{name: " + quote(q.name);
  if (q.durable) out += ", durable: true";
  if (q.exclusive) out += ", exclusive: true";
  if (q.auto_delete) out += ", auto_delete: true";
  if (!q.arguments.empty()) out += ", arguments: " + field_table(q.arguments);
  if (bind && !bind->empty()) {
    out += ", bind: [";
    for (std::size_t i = 0; i < bind->size(); ++i) {
      const auto& b = (*bind)[i];
      out += std::string(i ? ", " : "") + "{exchange: " + quote(b.exchange) + ", key: " + quote(b.key);
      if (!b.arguments.empty()) out += ", arguments: " + field_table(b.arguments);
      out += "}";
    }
    out += "]";
  }
  return out + "}";
}

// A producer's fields after its name; also the `publish:` of a consumer that publishes.
void write_producer(std::ostringstream& out, const scenario::ProducerSpec& p, const std::string& indent) {
  out << indent << "exchange: " << quote(p.exchange) << "\n";
  if (!p.schedule.empty()) {
    out << indent << "schedule: [";
    for (std::size_t i = 0; i < p.schedule.size(); ++i) out << (i ? ", " : "") << duration(p.schedule[i]);
    out << "]\n";
  } else {
    out << indent << "rate: " << rate(p.rate_per_second) << "\n";
  }
  if (p.arrivals == scenario::ProducerSpec::Arrivals::kPoisson) out << indent << "arrivals: poisson\n";
  if (p.count) out << indent << "count: " << *p.count << "\n";
  if (p.start_us != 0) out << indent << "start: " << duration(p.start_us) << "\n";
  if (p.offset_us) out << indent << "offset: " << duration(*p.offset_us) << "\n";
  if (p.stop_us != std::numeric_limits<TimeUs>::max()) out << indent << "stop: " << duration(p.stop_us) << "\n";
  if (p.mandatory) out << indent << "mandatory: true\n";
  if (p.confirms) {
    using Wait = scenario::ProducerSpec::ConfirmWait;
    out << indent << "confirms: ";
    if (p.confirm_wait == Wait::kEach) out << "each\n";
    if (p.confirm_wait == Wait::kBatch) out << "{batch: " << p.confirm_batch << "}\n";
    if (p.confirm_wait == Wait::kAsync) out << "true\n";
  }
  out << indent << "messages:\n";
  for (const auto& m : p.messages) out << indent << "  - {" << message_fields(m, true) << "}\n";
}

const char* outcome_name(scenario::Outcome o) {
  switch (o) {
    case scenario::Outcome::kAck: return "ack";
    case scenario::Outcome::kNackRequeue: return "nack_requeue";
    case scenario::Outcome::kNack: return "nack";
    case scenario::Outcome::kReject: return "reject";
  }
  return "reject";
}

void write_consumer(std::ostringstream& out, const scenario::ConsumerSpec& c) {
  out << "  - " << (c.is_service ? "service" : "consumer") << ":\n";
  out << "      name: " << quote(c.name) << "\n";
  out << "      queue: " << (c.own_queue ? queue_fields(*c.own_queue, &c.own_bindings) : quote(c.queue)) << "\n";
  if (c.auto_ack) out << "      ack: auto\n";
  if (c.prefetch != 0) out << "      prefetch: " << c.prefetch << "\n";
  if (c.concurrency != 1) out << "      concurrency: " << c.concurrency << "\n";
  if (c.start_us != 0) out << "      start: " << duration(c.start_us) << "\n";
  if (c.stop_us) out << "      stop: " << duration(*c.stop_us) << "\n";
  if (c.poll_us) out << "      poll: " << duration(*c.poll_us) << "\n";
  if (c.stream_offset) out << "      stream_offset: " << field_value(*c.stream_offset) << "\n";
  out << "      processing: " << distribution(c.processing) << "\n";
  if (c.ack_ppm != 1'000'000) {
    out << "      outcomes: {ack: " << number(static_cast<double>(c.ack_ppm) / 1e6)
        << ", nack_requeue: " << number(static_cast<double>(c.nack_requeue_ppm) / 1e6)
        << ", nack: " << number(static_cast<double>(c.nack_ppm) / 1e6)
        << ", reject: " << number(static_cast<double>(c.reject_ppm) / 1e6) << "}\n";
  }
  if (!c.rules.empty()) {
    out << "      rules:\n";
    for (const auto& r : c.rules) {
      out << "        - {when_header: " << quote(r.header);
      if (r.equals) out << ", equals: " << field_value(*r.equals);
      out << ", outcome: " << outcome_name(r.outcome) << "}\n";
    }
  }
  if (c.priority != 0) out << "      priority: " << c.priority << "\n";
  if (c.exclusive) out << "      exclusive: true\n";
  if (!c.on_ack.empty()) {
    out << "      on_ack:\n";
    for (const auto& f : c.on_ack) out << "        - {exchange: " << quote(f.exchange) << ", " << message_fields(f.message, false) << "}\n";
  }
  if (c.max_retries) out << "      max_retries: " << *c.max_retries << "\n";
  if (c.retry) out << "      retry: {exchange: " << quote(c.retry->exchange) << ", " << message_fields(c.retry->message, false) << "}\n";
  if (c.park) out << "      park: {exchange: " << quote(c.park->exchange) << ", " << message_fields(c.park->message, false) << "}\n";
  if (c.reply) out << "      reply: true\n";
  if (c.publishes) {
    out << "      publish:\n";
    write_producer(out, *c.publishes, "        ");
  }
}

std::string timeline_event(const scenario::TimelineEvent& e) {
  using K = scenario::TimelineEvent::Kind;
  std::string out = "{at: " + duration(e.at_us) + ", ";
  switch (e.kind) {
    case K::kStopConsumer: out += "stop_consumer: " + quote(e.target); break;
    case K::kStartConsumer: out += "start_consumer: " + quote(e.target); break;
    case K::kCrashConsumer: out += "crash_consumer: " + quote(e.target); break;
    case K::kSetRate: out += "set_rate: " + quote(e.target) + ", rate: " + rate(e.rate_per_second); break;
    case K::kPublish:
      out += "publish: {exchange: " + quote(e.exchange) + ", " + message_fields(e.message, false) +
             (e.mandatory ? ", mandatory: true" : "") + "}";
      break;
    case K::kBind:
    case K::kUnbind: {
      const auto& b = e.binding;
      out += std::string(e.kind == K::kBind ? "bind" : "unbind") + ": {exchange: " + quote(b.exchange) + ", " +
             (b.to_exchange ? "to_exchange: " : "queue: ") + quote(b.destination) + ", key: " + quote(b.key);
      if (!b.arguments.empty()) out += ", arguments: " + field_table(b.arguments);
      out += "}";
      break;
    }
    case K::kPurgeQueue: out += "purge_queue: " + quote(e.target); break;
    case K::kDeleteQueue: out += "delete_queue: " + quote(e.target); break;
    case K::kRestartBroker: out += "restart_broker: true"; break;
    case K::kConnect: out += "connect: " + quote(e.target); break;
    case K::kDisconnect: out += "disconnect: " + quote(e.target); break;
    case K::kDeclareQueue: out += "declare_queue: " + queue_fields(e.queue); break;
    case K::kDeclareExchange: out += "declare_exchange: " + exchange_fields(e.exchange_spec); break;
  }
  return out + "}";
}

// The per-name counts of one moment (`at_us`, or the end), grouped per subject in the order
// first named, as the loader reads them.
void write_counts(std::ostringstream& out, const scenario::Scenario& s, std::optional<TimeUs> at_us, const char* indent) {
  using Subject = scenario::Expectation::Subject;
  auto group = [&](const char* title, Subject subject) {
    std::vector<std::string> names;
    for (const auto& e : s.expectations) {
      if (e.subject == subject && e.at_us == at_us && std::find(names.begin(), names.end(), e.name) == names.end()) {
        names.push_back(e.name);
      }
    }
    if (names.empty()) return;
    out << indent << title << ":\n";
    for (const auto& name : names) {
      out << indent << "  " << quote(name) << ": {";
      bool first = true;
      for (const auto& e : s.expectations) {
        if (e.subject != subject || e.name != name || e.at_us != at_us) continue;
        out << (first ? "" : ", ") << e.metric << ": " << e.value;
        first = false;
      }
      out << "}\n";
    }
  };
  group("queues", Subject::kQueue);
  group("consumers", Subject::kConsumer);
  group("exchanges", Subject::kExchange);
}

void write_expectations(std::ostringstream& out, const scenario::Scenario& s) {
  if (s.expectations.empty() && s.expected_errors.empty()) return;
  out << "expect:\n";
  std::vector<TimeUs> times;
  for (const auto& e : s.expectations) {
    if (e.subject == scenario::Expectation::Subject::kBroker) {
      if (e.metric == "nothing_lost") out << "  nothing_lost: " << (e.value ? "true" : "false") << "\n";
      else out << "  " << e.metric << ": " << e.value << "\n";
    }
    if (e.at_us && std::find(times.begin(), times.end(), *e.at_us) == times.end()) times.push_back(*e.at_us);
  }
  write_counts(out, s, std::nullopt, "  ");
  if (!times.empty()) out << "  snapshots:\n";
  for (TimeUs t : times) {
    out << "    - at: " << duration(t) << "\n";
    write_counts(out, s, t, "      ");
  }
  if (!s.expected_errors.empty()) out << "  errors:\n";
  for (const auto& e : s.expected_errors) {
    out << "    - {code: " << e.code;
    if (e.at_us) out << ", at: " << duration(*e.at_us);
    if (!e.actor.empty()) out << ", actor: " << quote(e.actor);
    out << "}\n";
  }
}

// The broker, actors and timeline sections: what an exercise's solution replaces.
std::string indented(const std::string& text, const std::string& pad) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::size_t stop = end == std::string::npos ? text.size() : end + 1;
    out += pad + text.substr(start, stop - start);
    start = stop;
  }
  return out;
}

std::string binding_fields(const scenario::BindingSpec& b) {
  std::string out = "{exchange: " + quote(b.exchange) + ", " + (b.to_exchange ? "to_exchange: " : "queue: ") +
                    quote(b.destination) + ", key: " + quote(b.key);
  if (!b.arguments.empty()) out += ", arguments: " + field_table(b.arguments);
  return out + "}";
}

std::string rpc_client_item(const scenario::RpcClientSpec& r) {
  std::ostringstream out;
  out << "- rpc_client:\n";
  out << "    name: " << quote(r.name) << "\n";
  out << "    exchange: " << quote(r.exchange) << "\n";
  out << "    routing_key: " << quote(r.routing_key) << "\n";
  out << "    rate: " << rate(r.rate_per_second) << "\n";
  if (r.count) out << "    count: " << *r.count << "\n";
  out << "    reply_queue: " << (r.direct_reply_to ? "direct_reply_to" : "exclusive") << "\n";
  out << "    timeout: " << duration(r.timeout_us) << "\n";
  if (r.retries) out << "    retries: " << r.retries << "\n";
  if (r.expiration_us) out << "    expiration: " << duration(*r.expiration_us) << "\n";
  out << "    body: " << quote(r.body) << "\n";
  if (r.start_us != 0) out << "    start: " << duration(r.start_us) << "\n";
  if (r.stop_us != std::numeric_limits<TimeUs>::max()) out << "    stop: " << duration(r.stop_us) << "\n";
  return out.str();
}

// A block written for a deeper indent, moved to the list item's: the writers below indent
// actor fields for "  - "; an item is kept relative to its own dash.
std::string dedented(const std::string& text, std::size_t by) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::size_t stop = end == std::string::npos ? text.size() : end + 1;
    std::size_t spaces = 0;
    while (spaces < by && start + spaces < stop && text[start + spaces] == ' ') ++spaces;
    out += text.substr(start + spaces, stop - start - spaces);
    start = stop;
  }
  return out;
}

void write_items(std::ostringstream& out, const std::vector<SectionItem>& items, const std::string& indent,
                 const char* empty) {
  if (items.empty()) out << indent << empty << "\n";
  for (const SectionItem& item : items) out << indented(item.text, indent);
}

void write_sections(std::ostringstream& out, const scenario::Scenario& s) {
  const SectionItems items = section_items(s);
  out << "broker:\n";
  out << "  exchanges:\n";
  write_items(out, items.exchanges, "    ", "[]");
  out << "  queues:\n";
  write_items(out, items.queues, "    ", "[]");
  out << "  bindings:\n";
  write_items(out, items.bindings, "    ", "[]");
  out << "actors:\n";
  write_items(out, items.actors, "  ", "[]");
  if (!s.timeline.empty()) {
    out << "timeline:\n";
    write_items(out, items.timeline, "  ", "");
  }
}


std::string question_fields(const scenario::Question& q) {
  std::ostringstream out;
  using Kind = scenario::Question::Kind;
  if (q.kind == Kind::kRoute) {
    out << "      route: {exchange: " << quote(q.exchange) << ", routing_key: " << quote(q.routing_key);
    if (q.headers) out << ", headers: " << field_table(*q.headers);
    out << "}\n";
  }
  if (q.kind == Kind::kFate && q.fate_queue.empty()) out << "      fate: " << q.message << "\n";
  if (q.kind == Kind::kFate && !q.fate_queue.empty()) out << "      fate: {message: " << q.message << ", queue: " << quote(q.fate_queue) << "}\n";
  if (q.kind == Kind::kCount) out << "      count: {queue: " << quote(q.queue) << ", at: " << duration(q.count_at_us) << "}\n";
  if (q.kind == Kind::kChoice) {
    out << "      choice: [";
    for (std::size_t i = 0; i < q.options.size(); ++i) out << (i ? ", " : "") << quote(q.options[i]);
    out << "]\n      answer: " << static_cast<char>('a' + q.answer) << "\n";
  }
  if (!q.prompt.empty()) out << "      question: " << quote(q.prompt) << "\n";
  if (!q.explanation.empty()) out << "      explain: " << quote(q.explanation) << "\n";
  return out.str();
}

void write_lesson(std::ostringstream& out, const scenario::Scenario& s) {
  if (s.lesson.empty()) return;
  out << "lesson:\n";
  for (const auto& step : s.lesson) {
    if (step.when) {
      out << "  - when: {event: " << quote(step.when->event);
      if (!step.when->queue.empty()) out << ", queue: " << quote(step.when->queue);
      if (!step.when->exchange.empty()) out << ", exchange: " << quote(step.when->exchange);
      if (!step.when->consumer.empty()) out << ", consumer: " << quote(step.when->consumer);
      out << "}\n";
    } else {
      out << "  - at: " << duration(step.at_us) << "\n";
    }
    if (!step.text.empty() || !step.ask) out << "    text: " << quote(step.text) << "\n";
    if (step.ask) out << "    ask:\n" << question_fields(*step.ask);
  }
}

// The exercise with its hidden checks, one per hint, and its solution's sections.
void write_exercise(std::ostringstream& out, const scenario::Scenario& s) {
  const scenario::Exercise& x = *s.exercise;
  out << "exercise:\n  goal: " << quote(x.goal) << "\n";
  if (!x.hints.empty()) {
    out << "  hints:\n";
    for (const auto& h : x.hints) out << "    - " << quote(h) << "\n";
  }
  out << "  checks:\n";
  std::vector<std::string> hints;
  for (const auto& e : s.expectations)
    if (std::find(hints.begin(), hints.end(), e.hint) == hints.end()) hints.push_back(e.hint);
  for (std::size_t i = 0; i < hints.size(); ++i) {
    scenario::Scenario check;
    for (const auto& e : s.expectations)
      if (e.hint == hints[i]) check.expectations.push_back(e);
    if (i == 0) check.expected_errors = s.expected_errors;
    std::ostringstream expect;
    write_expectations(expect, check);
    out << "    - hint: " << quote(hints[i]) << "\n" << indented(expect.str(), "      ");
  }
  if (!x.solution) return;
  std::ostringstream solution;
  write_sections(solution, *x.solution);
  out << "  solution:\n" << indented(solution.str(), "    ");
}

}  // namespace

SectionItems section_items(const scenario::Scenario& s) {
  SectionItems items;
  for (const auto& x : s.exchanges) items.exchanges.push_back({"- " + exchange_fields(x) + "\n", x.at});
  for (const auto& q : s.queues) items.queues.push_back({"- " + queue_fields(q) + "\n", q.at});
  for (const auto& b : s.bindings) items.bindings.push_back({"- " + binding_fields(b) + "\n", b.at});
  for (const auto& p : s.producers) {
    std::ostringstream out;
    out << "  - producer:\n      name: " << quote(p.name) << "\n";
    write_producer(out, p, "      ");
    items.actors.push_back({dedented(out.str(), 2), p.at});
  }
  for (const auto& c : s.consumers) {
    std::ostringstream out;
    write_consumer(out, c);
    items.actors.push_back({dedented(out.str(), 2), c.at});
  }
  for (const auto& r : s.rpc_clients) items.actors.push_back({rpc_client_item(r), r.at});
  for (const auto& e : s.timeline) items.timeline.push_back({"- " + timeline_event(e) + "\n", e.at});
  return items;
}

std::string scenario_to_yaml(const scenario::Scenario& s) {
  std::ostringstream out;
  out << "name: " << quote(s.name) << "\n";
  if (!s.description.empty()) out << "description: " << quote(s.description) << "\n";
  out << "seed: " << s.seed << "\n";
  out << "duration: " << duration(s.duration_us) << "\n";
  if (s.latency.kind != Distribution::Kind::kConstant || s.latency.a_us != 0)
    out << "latency: " << distribution(s.latency) << "\n";

  write_sections(out, s);
  if (s.exercise) {
    write_lesson(out, s);
    write_exercise(out, s);
  } else {
    write_expectations(out, s);
    write_lesson(out, s);
  }
  return out.str();
}

}  // namespace brokersim::scenario
