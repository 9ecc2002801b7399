// RabbitMQ definitions: export-then-import of every scenario's topology is lossless, policies
// are applied as RabbitMQ applies them, and amq.* names are skipped.
#include <doctest/doctest.h>

#include <filesystem>

#include "scenario/definitions_export.h"
#include "scenario/definitions_import.h"
#include "scenario/loader.h"

using namespace brokersim;

namespace {

// A binding with a void argument cannot be written as JSON; the export says so, so it is
// left out of the comparison.
bool has_void(const broker::FieldTable& table) {
  for (const auto& [k, v] : table)
    if (v.is_void()) return true;
  return false;
}

}  // namespace

TEST_CASE("definitions: export then import of every scenario's topology is lossless") {
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(BROKERSIM_SCENARIOS_DIR)) {
    if (entry.path().extension() != ".yaml" || entry.path().filename() == "course.yaml") continue;
    ++files;
    CAPTURE(entry.path().string());
    auto original = scenario::load_scenario_file(entry.path().string());
    REQUIRE(original.ok());
    std::vector<std::string> warnings;
    const std::string json = scenario::export_definitions(original.scenario, warnings);
    const auto imported = scenario::import_definitions(json, "round trip");
    REQUIRE(imported.error.empty());
    auto again = scenario::load_scenario_text(imported.yaml, "imported.yaml");
    for (const auto& e : again.errors) FAIL(e.to_string());
    const auto& a = original.scenario;
    const auto& b = again.scenario;
    REQUIRE(a.exchanges.size() == b.exchanges.size());
    for (std::size_t i = 0; i < a.exchanges.size(); ++i) {
      CHECK(a.exchanges[i].name == b.exchanges[i].name);
      CHECK(a.exchanges[i].type == b.exchanges[i].type);
      CHECK(a.exchanges[i].durable == b.exchanges[i].durable);
      CHECK(a.exchanges[i].internal == b.exchanges[i].internal);
      CHECK(broker::tables_equal(a.exchanges[i].arguments, b.exchanges[i].arguments));
    }
    REQUIRE(a.queues.size() == b.queues.size());
    for (std::size_t i = 0; i < a.queues.size(); ++i) {
      CHECK(a.queues[i].name == b.queues[i].name);
      CHECK(a.queues[i].durable == b.queues[i].durable);
      CHECK(a.queues[i].auto_delete == b.queues[i].auto_delete);
      CHECK(broker::to_display(a.queues[i].arguments) == broker::to_display(b.queues[i].arguments));
    }
    std::vector<const scenario::BindingSpec*> exportable;
    for (const auto& binding : a.bindings)
      if (!has_void(binding.arguments)) exportable.push_back(&binding);
    CHECK(warnings.size() == a.bindings.size() - exportable.size());
    REQUIRE(exportable.size() == b.bindings.size());
    for (std::size_t i = 0; i < b.bindings.size(); ++i) {
      CHECK(exportable[i]->exchange == b.bindings[i].exchange);
      CHECK(exportable[i]->destination == b.bindings[i].destination);
      CHECK(exportable[i]->to_exchange == b.bindings[i].to_exchange);
      CHECK(exportable[i]->key == b.bindings[i].key);
      CHECK(broker::tables_equal(exportable[i]->arguments, b.bindings[i].arguments));
    }
  }
  CHECK(files >= 10);
}

TEST_CASE("definitions: import applies policies as RabbitMQ would, and skips amq. names") {
  const std::string json = R"({
    "vhosts": [{"name": "/"}],
    "policies": [
      {"vhost": "/", "name": "ttl-orders", "pattern": "^orders\\.", "apply-to": "queues", "priority": 1,
       "definition": {"message-ttl": 60000, "dead-letter-exchange": "dlx"}},
      {"vhost": "/", "name": "everything", "pattern": ".*", "apply-to": "all", "priority": 0,
       "definition": {"max-length": 10}},
      {"vhost": "/", "name": "ae", "pattern": "^shop$", "apply-to": "exchanges", "priority": 2,
       "definition": {"alternate-exchange": "unrouted"}}
    ],
    "exchanges": [
      {"name": "shop", "vhost": "/", "type": "topic", "durable": true, "auto_delete": false, "internal": false, "arguments": {}},
      {"name": "amq.direct", "vhost": "/", "type": "direct", "durable": true, "auto_delete": false, "internal": false, "arguments": {}},
      {"name": "unrouted", "vhost": "/", "type": "fanout", "durable": true, "auto_delete": false, "internal": false, "arguments": {}},
      {"name": "dlx", "vhost": "/", "type": "fanout", "durable": true, "auto_delete": false, "internal": false, "arguments": {}}
    ],
    "queues": [
      {"name": "orders.eu", "vhost": "/", "durable": true, "auto_delete": false, "arguments": {"x-message-ttl": 1000}},
      {"name": "orders.us", "vhost": "/", "durable": true, "auto_delete": false, "arguments": {"x-dead-letter-exchange": "other"}},
      {"name": "other", "vhost": "/", "durable": true, "auto_delete": false, "arguments": {}},
      {"name": "elsewhere", "vhost": "/staging", "durable": true, "auto_delete": false, "arguments": {}}
    ],
    "bindings": [
      {"source": "shop", "vhost": "/", "destination": "orders.eu", "destination_type": "queue", "routing_key": "*.eu", "arguments": {}},
      {"source": "amq.direct", "vhost": "/", "destination": "other", "destination_type": "queue", "routing_key": "k", "arguments": {}}
    ]})";
  const auto imported = scenario::import_definitions(json, "policies");
  REQUIRE(imported.error.empty());
  auto loaded = scenario::load_scenario_text(imported.yaml, "imported.yaml");
  for (const auto& e : loaded.errors) FAIL(e.to_string());
  const auto& s = loaded.scenario;
  REQUIRE(s.exchanges.size() == 3);  // amq.direct is built in, so skipped
  CHECK(*broker::find_field(s.exchanges[0].arguments, "alternate-exchange")->as_string() == "unrouted");
  REQUIRE(s.queues.size() == 3);     // the /staging queue is left out, with a warning
  CHECK(imported.warnings.size() == 1);
  auto arg = [&](std::size_t q, const char* key) { return broker::find_field(s.queues[q].arguments, key); };
  // orders.eu: its own TTL (1000) is lower than the policy's (60000), so it stays.
  CHECK(*arg(0, "x-message-ttl")->as_integer() == 1000);
  CHECK(*arg(0, "x-dead-letter-exchange")->as_string() == "dlx");
  // orders.us: its own dead-letter exchange wins over the policy's.
  CHECK(*arg(1, "x-dead-letter-exchange")->as_string() == "other");
  CHECK(*arg(1, "x-message-ttl")->as_integer() == 60000);
  // other: "ttl-orders" does not match it, so the catch-all "everything" applies. (One policy
  // applies per object: the matching one with the highest priority, as in RabbitMQ.)
  CHECK(*arg(2, "x-max-length")->as_integer() == 10);
  CHECK(arg(2, "x-message-ttl") == nullptr);
  CHECK(s.bindings.size() == 2);  // a binding from amq.direct is kept: only declarations are skipped
}

TEST_CASE("definitions: broken JSON is reported with its position") {
  const auto imported = scenario::import_definitions("{\"queues\": [ {\"name\": }", "broken");
  CHECK(imported.error == "not valid JSON: line 1, column 23: unexpected character '}'");
}

TEST_CASE("definitions: an exclusive queue and its bindings are left out together, each with a warning") {
  auto loaded = scenario::load_scenario_text(R"(name: exclusive
broker:
  exchanges: [{name: x, type: fanout}]
  queues: [{name: mine, exclusive: true}, {name: shared}]
  bindings: [{exchange: x, queue: mine}, {exchange: x, queue: shared}]
)", "e.yaml");
  REQUIRE(loaded.ok());
  std::vector<std::string> warnings;
  const std::string json = scenario::export_definitions(loaded.scenario, warnings);
  CHECK(json.find("\"mine\"") == std::string::npos);  // no dangling binding to a queue not exported
  CHECK(json.find("\"destination\":\"shared\"") != std::string::npos);
  REQUIRE(warnings.size() == 2);
  CHECK(warnings[0] == "e.yaml:4:12: exclusive queue 'mine' left out: it belongs to a connection");
  CHECK(warnings[1] == "e.yaml:5:14: binding from 'x' to 'mine' left out: its queue is exclusive, so it is not exported");
}
