// The GUI's scene model, without a window: where message dots are, what seeking gives, and
// how commands change the run.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <tuple>
#include <string>

#include "gui/model/layout_file.h"
#include "gui/model/scenario_writes.h"
#include "gui/model/session.h"
#include "scenario/runner.h"
#include "scenario/writer.h"
#include "trace/fingerprint.h"
#include "scenario/loader.h"
#include "scenario/quiz.h"

using namespace brokersim;
using namespace brokersim::gui;

namespace {

Session open_text(const char* yaml) {
  scenario::LoadResult loaded = scenario::load_scenario_text(yaml, "test.yaml");
  REQUIRE_MESSAGE(loaded.ok(), (loaded.errors.empty() ? "" : loaded.errors.front().to_string()));
  Session s;
  s.open(std::move(loaded.scenario));
  return s;
}

const char* kOneProducer = R"(
name: one producer
duration: 10s
broker:
  exchanges:
    - {name: orders, type: direct}
  queues:
    - {name: paid}
  bindings:
    - {exchange: orders, queue: paid, key: order.paid}
actors:
  - producer:
      name: shop
      exchange: orders
      count: 3
      rate: 1/s
      mandatory: true
      messages:
        - {routing_key: order.paid, weight: 1}
        - {routing_key: order.lost, weight: 1}
  - consumer: {name: accounts, queue: paid, prefetch: 1, processing: 200ms}
)";

const Segment* first_segment(const Session& s, SegmentKind kind) {
  for (const Segment& seg : s.animation().segments)
    if (seg.kind == kind) return &seg;
  return nullptr;
}

bool same_scene(const Scene& a, const Scene& b) {
  if (a.dots.size() != b.dots.size() || a.nodes.size() != b.nodes.size() || a.events_done != b.events_done) return false;
  for (std::size_t i = 0; i < a.nodes.size(); ++i)
    if (a.nodes[i].ready != b.nodes[i].ready || a.nodes[i].unacked != b.nodes[i].unacked) return false;
  for (std::size_t i = 0; i < a.dots.size(); ++i) {
    const SceneDot& x = a.dots[i];
    const SceneDot& y = b.dots[i];
    if (x.message_id != y.message_id || x.edge != y.edge || x.kind != y.kind || x.fraction != y.fraction ||
        x.position.x != y.position.x || x.position.y != y.position.y)
      return false;
  }
  return true;
}

}  // namespace

TEST_CASE("a message's dot lies on the edge of its hop at the fraction of the hop done") {
  Session s = open_text(kOneProducer);
  const Segment* hop = first_segment(s, SegmentKind::kHop);
  REQUIRE(hop != nullptr);
  const Edge& edge = s.topology().edges()[hop->edge];
  CHECK(s.topology().nodes()[edge.from].name == "shop");
  CHECK(s.topology().nodes()[edge.to].name == "orders");

  const sim::TimeUs quarter = hop->start_us + (hop->end_us - hop->start_us) / 4;
  const Scene scene = s.scene_at(quarter);
  const SceneDot* dot = nullptr;
  for (const SceneDot& d : scene.dots)
    if (d.message_id == hop->message_id && d.edge == hop->edge) dot = &d;
  REQUIRE(dot != nullptr);
  CHECK(dot->fraction == doctest::Approx(0.25));
  const Vec2 expected = s.topology().curve(hop->edge).at(0.25f);
  CHECK(dot->position.x == doctest::Approx(expected.x));
  CHECK(dot->position.y == doctest::Approx(expected.y));

  // The next hop of the same message leaves the exchange along the binding that matched.
  for (const Segment& seg : s.animation().segments) {
    if (seg.message_id != hop->message_id || seg.kind != SegmentKind::kHop || seg.edge == hop->edge) continue;
    const Edge& next = s.topology().edges()[seg.edge];
    CHECK(s.topology().nodes()[next.from].name == "orders");
    CHECK(seg.start_us >= hop->end_us);
    break;
  }
}

TEST_CASE("seeking to a time gives the same scene as playing up to it") {
  Session played = open_text(kOneProducer);
  Session sought = open_text(kOneProducer);
  Scene scene;
  const sim::TimeUs target = sim::millis(2'150);
  for (sim::TimeUs t = 0; t <= target; t += 16'667) played.scene_at(t, scene);
  played.scene_at(target, scene);
  CHECK(same_scene(scene, sought.scene_at(target)));
  CHECK(!scene.dots.empty());
}

TEST_CASE("a returned message moves back to its producer") {
  Session s = open_text(kOneProducer);
  const Segment* back = first_segment(s, SegmentKind::kReturn);
  REQUIRE(back != nullptr);
  CHECK(back->reversed);
  const Edge& edge = s.topology().edges()[back->edge];
  const Node& producer = s.topology().nodes()[edge.from];
  CHECK(producer.name == "shop");
  const Scene start = s.scene_at(back->start_us);
  const Scene late = s.scene_at(back->end_us - 1);
  auto find = [&](const Scene& scene) -> const SceneDot* {
    for (const SceneDot& d : scene.dots)
      if (d.message_id == back->message_id && d.kind == SegmentKind::kReturn) return &d;
    return nullptr;
  };
  REQUIRE(find(start) != nullptr);
  REQUIRE(find(late) != nullptr);
  auto distance = [&](Vec2 p) { return std::hypot(p.x - producer.center.x, p.y - producer.center.y); };
  CHECK(distance(find(late)->position) < distance(find(start)->position));
  CHECK(distance(find(late)->position) < producer.size.x);
}

TEST_CASE("queue depths in the scene follow the trace") {
  Session s;
  REQUIRE(s.open_file(BROKERSIM_SCENARIOS_DIR "/dead_lettering.yaml").ok());
  const auto small = s.topology().find_node(NodeKind::kQueue, "small");
  REQUIRE(small.has_value());
  // The scenario expects depth 3 in `small` at the end.
  CHECK(s.scene_at(s.end_us()).nodes[*small].ready == 3);
  CHECK(s.scene_at(0).nodes[*small].ready == 0);
}

TEST_CASE("the layout puts producers, exchanges, queues and consumers left to right") {
  Session s = open_text(kOneProducer);
  const auto& topo = s.topology();
  const float producer = topo.nodes()[*topo.find_node(NodeKind::kProducer, "shop")].center.x;
  const float exchange = topo.nodes()[*topo.find_node(NodeKind::kExchange, "orders")].center.x;
  const float queue = topo.nodes()[*topo.find_node(NodeKind::kQueue, "paid")].center.x;
  const float consumer = topo.nodes()[*topo.find_node(NodeKind::kConsumer, "accounts")].center.x;
  CHECK(producer < exchange);
  CHECK(exchange < queue);
  CHECK(queue < consumer);
}

TEST_CASE("a manual publish joins the run and animates from the timeline") {
  Session s = open_text(kOneProducer);
  const std::size_t before = s.trace().size();
  Session::ManualPublish p;
  p.exchange = "orders";
  p.routing_key = "order.paid";
  CHECK(s.publish_at(sim::seconds(5), p).ok());
  CHECK(s.trace().size() > before);
  CHECK(s.topology().find_node(NodeKind::kProducer, "timeline").has_value());
}

TEST_CASE("a manual mandatory publish that matches no queue bounces back to the timeline") {
  Session s = open_text(kOneProducer);
  Session::ManualPublish p;
  p.exchange = "orders";
  p.routing_key = "nobody.listens.here";
  p.mandatory = true;
  REQUIRE(s.publish_at(sim::seconds(5), p).ok());
  const auto timeline = s.topology().find_node(NodeKind::kProducer, "timeline");
  REQUIRE(timeline.has_value());
  bool returned_to_timeline = false;
  for (const Segment& seg : s.animation().segments) {
    if (seg.kind == SegmentKind::kReturn && s.topology().edges()[seg.edge].from == *timeline) returned_to_timeline = true;
  }
  CHECK(returned_to_timeline);
}

TEST_CASE("an edit the broker refuses shows its error and changes nothing") {
  Session s = open_text(kOneProducer);
  const std::size_t exchanges = s.scenario().exchanges.size();
  scenario::ExchangeSpec x;
  x.name = "amq.mine";
  const Status refused = s.add_exchange(x);
  CHECK(!refused.ok());
  CHECK(refused.error().find("ACCESS_REFUSED") != std::string::npos);
  CHECK(s.scenario().exchanges.size() == exchanges);
  x.name = "audit";
  x.type = "fanout";
  CHECK(s.add_exchange(x).ok());
  CHECK(s.topology().find_node(NodeKind::kExchange, "audit").has_value());
}

TEST_CASE("a layout section moves nodes, and saving one keeps the rest of the file") {
  const std::string path = "gui_layout_test.yaml";
  {
    std::ofstream out(path);
    out << kOneProducer << "# a comment that must survive\n";
  }
  CHECK(write_layout(path, {{"queue:paid", Vec2{1000, 500}}}) == "");
  // The engine's loader accepts the section it does not use.
  scenario::LoadResult loaded = scenario::load_scenario_file(path);
  REQUIRE_MESSAGE(loaded.ok(), (loaded.errors.empty() ? "" : loaded.errors.front().to_string()));
  const auto positions = read_layout(path);
  REQUIRE(positions.count("queue:paid") == 1);
  Session s;
  s.open(std::move(loaded.scenario));
  s.set_fixed_positions(positions);
  const Node& paid = s.topology().nodes()[*s.topology().find_node(NodeKind::kQueue, "paid")];
  CHECK(paid.center.x == doctest::Approx(1000));
  CHECK(paid.center.y == doctest::Approx(500));
  // Saving again replaces the section rather than adding a second one.
  CHECK(write_layout(path, {{"queue:paid", Vec2{10, 20}}}) == "");
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find("layout:") == text.rfind("layout:"));
  CHECK(text.find("# a comment that must survive") != std::string::npos);
  CHECK(read_layout(path).at("queue:paid").x == doctest::Approx(10));
  std::remove(path.c_str());
}

TEST_CASE("every scenario saved as YAML loads again: same fingerprint, questions, answers and exercise") {
  auto fingerprint = [](const scenario::Scenario& s) {
    trace::Fingerprint f;
    scenario::Runner runner(s, {.sinks = {&f}});
    runner.run();
    return f.hex();
  };
  auto answers = [](const scenario::Scenario& s) {
    std::vector<std::string> out;
    for (const auto& q : scenario::answer_questions(s)) out.push_back(q.prompt + " = " + q.answer.text());
    return out;
  };
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(BROKERSIM_SCENARIOS_DIR)) {
    const std::string path = entry.path().string();
    if (entry.path().extension() != ".yaml" || entry.path().filename() == "course.yaml") continue;
    ++files;
    CAPTURE(path);
    scenario::LoadResult original = scenario::load_scenario_file(path);
    REQUIRE(original.ok());
    const std::string yaml = scenario::scenario_to_yaml(original.scenario);
    scenario::LoadResult again = scenario::load_scenario_text(yaml, path + ".saved.yaml");
    REQUIRE_MESSAGE(again.ok(), (again.errors.empty() ? "" : again.errors.front().to_string()) << "\n" << yaml);
    CHECK(fingerprint(original.scenario) == fingerprint(again.scenario));
    CHECK(again.scenario.expectations.size() == original.scenario.expectations.size());
    CHECK(again.scenario.lesson.size() == original.scenario.lesson.size());
    CHECK(answers(again.scenario) == answers(original.scenario));
    REQUIRE(again.scenario.exercise.has_value() == original.scenario.exercise.has_value());
    if (original.scenario.exercise) {
      CHECK(fingerprint(*again.scenario.exercise->solution) == fingerprint(*original.scenario.exercise->solution));
      CHECK(again.scenario.exercise->hints == original.scenario.exercise->hints);
    }
  }
  CHECK(files >= 28);
}

TEST_CASE("the YAML writer keeps every field the course's lessons use") {
  const char* yaml = R"(name: every field
duration: 10s
broker:
  queues: [{name: q}, {name: s, durable: true, type: stream}, {name: rpc}]
actors:
  - producer: {name: each, exchange: "", rate: 10/s, count: 3, confirms: each,
               messages: [{routing_key: q, properties: {timestamp: 1767225600, content_encoding: gzip}}]}
  - producer: {name: batch, exchange: "", rate: 10/s, count: 3, confirms: {batch: 2}, messages: [{routing_key: s}]}
  - consumer: {name: poller, queue: q, poll: 2s}
  - consumer: {name: reader, queue: s, prefetch: 5, stream_offset: first}
  - service: {name: server, queue: rpc, reply: true, processing: 1s}
  - rpc_client: {name: c, routing_key: rpc, rate: 1/s, count: 2, timeout: 500ms, retries: 2, expiration: 2s}
lesson:
  - at: 0.5s
    ask: {fate: {message: 1, queue: q}, explain: why}
)";
  const scenario::LoadResult original = scenario::load_scenario_text(yaml, "all.yaml");
  REQUIRE(original.ok());
  const std::string written = scenario::scenario_to_yaml(original.scenario);
  for (const char* field : {"confirms: each", "confirms: {batch: 2}", "poll: 2s", "stream_offset: \"first\"", "retries: 2",
                            "expiration: 2s", "timestamp: 1767225600", "content_encoding: \"gzip\"", "queue: \"q\"}"}) {
    CAPTURE(field);
    CHECK(written.find(field) != std::string::npos);
  }
  const scenario::LoadResult again = scenario::load_scenario_text(written, "again.yaml");
  REQUIRE_MESSAGE(again.ok(), written);
  CHECK(scenario::scenario_to_yaml(again.scenario) == written);
}

namespace {
std::string fingerprint_of(const Session& s) {
  trace::Fingerprint f;
  for (std::size_t i = 0; i < s.trace().size(); ++i) f.on_event(s.trace().at(i));
  return f.hex();
}
}  // namespace

namespace {
// Two commands in a row: a new exchange, then a message published by hand.
void edit_then_publish(Session& s, const std::string& exchange, const std::string& publish_to, const std::string& key,
                       sim::TimeUs at) {
  scenario::ExchangeSpec x;
  x.name = exchange;
  x.type = "topic";
  REQUIRE(s.add_exchange(x).ok());
  Session::ManualPublish p;
  p.exchange = publish_to;
  p.routing_key = key;
  REQUIRE(s.publish_at(at, p).ok());
}
}  // namespace

TEST_CASE("undo and redo step through edits and hand publishes, each run as before") {
  Session s = open_text(kOneProducer);
  const std::string at_start = fingerprint_of(s);
  CHECK_FALSE(s.can_undo());
  CHECK_FALSE(s.has_unsaved_changes());
  edit_then_publish(s, "audit", "orders", "order.paid", sim::seconds(4));
  const std::string edited = fingerprint_of(s);
  CHECK(s.has_unsaved_changes());
  s.undo();  // the publish
  CHECK(s.topology().find_node(NodeKind::kExchange, "audit").has_value());
  s.undo();  // the exchange
  CHECK_FALSE(s.topology().find_node(NodeKind::kExchange, "audit").has_value());
  CHECK(fingerprint_of(s) == at_start);
  CHECK_FALSE(s.can_undo());
  s.redo();
  s.redo();
  CHECK(fingerprint_of(s) == edited);
  CHECK_FALSE(s.can_redo());
  // A new edit after an undo drops what could have been redone.
  s.undo();
  REQUIRE(s.delete_exchange("audit").ok());
  CHECK_FALSE(s.can_redo());
}

TEST_CASE("a save edits the file in place: comments and message_ttl: 5s stay") {
  const std::string text = R"(# A lesson with the author's notes.
name: notes kept
duration: 10s
broker:
  exchanges:
    - {name: orders, type: direct}   # where the shop publishes
  queues:
    # paid orders wait here at most five seconds
    - {name: paid, message_ttl: 5s}
    - {name: old}
  bindings:
    - {exchange: orders, queue: paid, key: order.paid}
    - {exchange: orders, queue: old, key: order.old}
actors:
  - producer:
      name: shop
      exchange: orders
      count: 3
      rate: 1/s
      messages:
        - {routing_key: order.paid}
  - consumer: {name: accounts, queue: paid, prefetch: 1, processing: 200ms}
)";
  const auto path = std::filesystem::temp_directory_path() / "brokersim-in-place.yaml";
  std::ofstream(path) << text;
  Session s;
  REQUIRE(s.open_file(path.string()).ok());
  scenario::QueueSpec q;
  q.name = "audit";
  REQUIRE(s.add_queue(q).ok());
  REQUIRE(s.delete_binding(1).ok());  // orders -> old
  Session::ManualPublish p;
  p.exchange = "orders";
  p.routing_key = "order.paid";
  REQUIRE(s.publish_at(sim::seconds(2), p).ok());
  bool kept = false;
  const std::string saved = s.yaml_to_save(kept);
  CHECK(kept);
  for (const char* line : {"# A lesson with the author's notes.", "# where the shop publishes",
                           "# paid orders wait here at most five seconds", "- {name: paid, message_ttl: 5s}"})
    CHECK_MESSAGE(saved.find(line) != std::string::npos, line);
  CHECK(saved.find("order.old") == std::string::npos);
  CHECK(saved.find("x-message-ttl") == std::string::npos);
  CHECK(saved.find("    - {name: \"audit\"}") != std::string::npos);
  CHECK(saved.find("timeline:\n  - {at: 2s, publish:") != std::string::npos);
  // And it reads back as the edited run.
  const auto again = std::filesystem::temp_directory_path() / "brokersim-in-place-saved.yaml";
  std::ofstream(again) << saved;
  Session reread;
  REQUIRE(reread.open_file(again.string()).ok());
  CHECK(fingerprint_of(reread) == fingerprint_of(s));
  std::filesystem::remove(path);
  std::filesystem::remove(again);
}

TEST_CASE("save and export write to exactly the paths given, and say when they cannot") {
  const auto dir = std::filesystem::temp_directory_path() / "brokersim-writes";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Session s;
  REQUIRE(s.open_file(BROKERSIM_SCENARIOS_DIR "/dead_lettering.yaml").ok());
  scenario::QueueSpec q;
  q.name = "audit";
  REQUIRE(s.add_queue(q).ok());
  REQUIRE(s.has_unsaved_changes());

  const auto defs = dir / "defs_typed.json";
  const WriteReport exported = export_definitions_file(s, defs.string());
  REQUIRE(exported.status.ok());
  CHECK(exported.summary.find(defs.string()) != std::string::npos);
  std::ifstream json_in(defs);
  const std::string json((std::istreambuf_iterator<char>(json_in)), std::istreambuf_iterator<char>());
  CHECK(json.find("{\"name\":\"audit\"") != std::string::npos);
  CHECK(s.has_unsaved_changes());  // an export is not a save

  const auto yaml = dir / "my_lesson.yaml";
  const WriteReport saved = save_scenario(s, yaml.string());
  REQUIRE(saved.status.ok());
  CHECK(!s.has_unsaved_changes());
  Session reread;
  REQUIRE(reread.open_file(yaml.string()).ok());
  CHECK(fingerprint_of(reread) == fingerprint_of(s));
  // Those two files and nothing else.
  CHECK(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()) == 2);

  REQUIRE(s.add_queue([] { scenario::QueueSpec more; more.name = "more"; return more; }()).ok());
  const WriteReport failed = save_scenario(s, (dir / "missing" / "x.yaml").string());
  CHECK(!failed.status.ok());
  CHECK(failed.status.error().find("cannot write") != std::string::npos);
  CHECK(s.has_unsaved_changes());  // nothing is marked saved that was not written
  std::filesystem::remove_all(dir);
}

TEST_CASE("every shipped lesson saves in place after an edit and a hand publish") {
  for (const auto& entry : std::filesystem::directory_iterator(BROKERSIM_SCENARIOS_DIR)) {
    if (entry.path().extension() != ".yaml" || entry.path().filename() == "course.yaml") continue;
    INFO(entry.path().filename().string());
    Session s;
    REQUIRE(s.open_file(entry.path().string()).ok());
    edit_then_publish(s, "added.by.test", "added.by.test", "any", sim::seconds(1));
    bool kept = false;
    const std::string saved = s.yaml_to_save(kept);
    CHECK(kept);
    std::ifstream in(entry.path());
    const std::string original((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Every comment of the original is still there.
    std::size_t at = 0;
    while ((at = original.find('#', at)) != std::string::npos) {
      const std::size_t end = original.find('\n', at);
      const std::string comment = original.substr(at, end - at);
      if (original.rfind('\n', at) == std::string::npos || original.substr(original.rfind('\n', at) + 1, at - original.rfind('\n', at) - 1).find_first_not_of(' ') == std::string::npos)
        CHECK_MESSAGE(saved.find(comment) != std::string::npos, comment);
      at = end == std::string::npos ? original.size() : end;
    }
  }
}

namespace {
// Each message's fate, known by who published it and in what order ("jobs 7"): message ids
// shift when a message is published by hand before others, this does not.
std::map<std::string, std::vector<std::string>> fates_by_origin(const Session& s) {
  std::map<std::uint64_t, std::string> connection_name, origin;
  std::map<std::string, int> published;
  std::map<std::string, std::vector<std::string>> fates;
  for (std::size_t i = 0; i < s.trace().size(); ++i) {
    const trace::Event e = s.trace().at(i);
    if (e.kind == trace::EventKind::kConnectionOpened) connection_name[e.connection] = e.text;
    if (e.kind == trace::EventKind::kPublished && !origin.count(e.message_id)) {
      const std::string who = connection_name[e.connection];
      origin[e.message_id] = who + " " + std::to_string(++published[who]);
    }
    if (e.kind != trace::EventKind::kAcked && e.kind != trace::EventKind::kDeadLettered && e.kind != trace::EventKind::kDropped)
      continue;
    fates[origin[e.message_id]].push_back(std::string(trace::kind_name(e.kind)) + " in " + e.queue + " " +
                                          std::string(trace::reason_name(e.reason)));
  }
  return fates;
}
}  // namespace

TEST_CASE("a hand publish leaves every other message's random outcome unchanged") {
  // dead_lettering's consumer acks 3 jobs in 4 and rejects the rest, drawn at random. A hand
  // publish to its queue at 3 s gives it one more delivery; every job keeps its outcome.
  Session s;
  REQUIRE(s.open_file(BROKERSIM_SCENARIOS_DIR "/dead_lettering.yaml").ok());
  const auto before = fates_by_origin(s);
  Session::ManualPublish p;
  p.exchange = "";
  p.routing_key = "work";
  p.body = "by hand";
  REQUIRE(s.publish_at(sim::seconds(3), p).ok());
  const auto after = fates_by_origin(s);
  std::size_t jobs = 0, rejected = 0;
  for (const auto& [origin, fate] : before) {
    if (origin.rfind("jobs ", 0) != 0) continue;
    INFO(origin);
    ++jobs;
    REQUIRE(after.count(origin));
    CHECK(after.at(origin) == fate);
    for (const std::string& step : fate) rejected += step.find("rejected") != std::string::npos;
  }
  CHECK(jobs == 20);
  CHECK(rejected > 0);  // the draws matter here: some jobs are rejected
  CHECK(after.size() == before.size() + 1);  // and the hand-published message has its own fate
}

TEST_CASE("message numbers stay with their messages across a hand publish, and the lesson's questions follow") {
  Session s;
  REQUIRE(s.open_file(BROKERSIM_SCENARIOS_DIR "/auto_ack_crash.yaml").ok());
  // Where and when each numbered message was first published, as the file runs it.
  auto first_publishes = [](const Session& session) {
    std::map<std::uint64_t, std::tuple<sim::TimeUs, std::string, std::string>> by_number;
    for (std::size_t i = 0; i < session.trace().size(); ++i) {
      if (session.trace().kind_at(i) != trace::EventKind::kPublished) continue;
      const trace::Event e = session.trace().at(i);
      by_number.try_emplace(session.number_of(e.message_id), e.time_us, e.exchange, e.routing_key);
    }
    return by_number;
  };
  const auto before = first_publishes(s);
  REQUIRE(before.size() == 20);
  CHECK(s.number_of(12) == 12);  // opened as written: the broker's own numbers, which lessons quote
  const auto asked_before = scenario::answer_questions(
      s.scenario(), [&](std::uint64_t quoted) { return s.message_numbered(quoted); });

  Session::ManualPublish p;
  p.exchange = "jobs";
  REQUIRE(s.publish_at(sim::millis(50), p).ok());  // before the dispatcher's second job
  const auto after = first_publishes(s);
  REQUIRE(after.size() == 21);
  for (const auto& [number, origin] : before) CHECK_MESSAGE(after.at(number) == origin, "message #" << number);
  CHECK(after.count(21) == 1);  // the hand publish is numbered after the others
  CHECK(s.message_numbered(12) != 12);  // the broker's id for job 12 moved on; its number did not

  const auto asked_after = scenario::answer_questions(
      s.scenario(), [&](std::uint64_t quoted) { return s.message_numbered(quoted); });
  REQUIRE(asked_after.size() == asked_before.size());
  // A fate question asks about the same message (here #12, lost with hasty), not whatever
  // the broker numbered 12 this time.
  for (std::size_t i = 0; i < asked_after.size(); ++i)
    if (asked_after[i].answer.kind == scenario::Question::Kind::kFate)
      CHECK_MESSAGE(asked_after[i].answer.text() == asked_before[i].answer.text(), "question " << i + 1);
  // The log speaks of the same numbers.
  bool found = false;
  for (std::size_t i = 0; i < s.trace().size() && !found; ++i)
    found = s.trace().at(i).message_id == s.message_numbered(12) && s.describe(s.trace().at(i)).find("message #12") != std::string::npos;
  CHECK(found);
  s.undo();
  CHECK(first_publishes(s) == before);
}
