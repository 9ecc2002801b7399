// Topic exchange truth table: bindings x routing keys -> queues, in the manner of RabbitMQ's
// routing_SUITE. '*' is exactly one word, '#' zero or more; words may be empty; the empty key
// has zero words.
#include <doctest/doctest.h>

#include "broker/topic_exchange.h"
#include "routing_helpers.h"

using namespace brokersim::testing;

namespace {

struct TopicWorld {
  World w;
  Client& admin = w.client("admin");
  ChannelKey ch = admin.channel();

  explicit TopicWorld(const std::vector<std::pair<std::string, std::string>>& bindings) {
    REQUIRE(w.declare_exchange(ch, "t", "topic").ok());
    for (const auto& [queue, key] : bindings) {
      if (!w.broker.find_queue(queue)) w.declare_queue(ch, queue);
      REQUIRE(w.broker.queue_bind(ch, queue, "t", key).ok());
    }
  }
  Names route(const std::string& key) { return routed_to(w, ch, "t", key); }
};

}  // namespace

TEST_CASE("topic: the tutorial vectors route as in RabbitMQ's tutorial five") {
  TopicWorld t({{"Q1", "*.orange.*"}, {"Q2", "*.*.rabbit"}, {"Q2", "lazy.#"}});
  CHECK(t.route("quick.orange.rabbit") == Names{"Q1", "Q2"});
  CHECK(t.route("lazy.orange.elephant") == Names{"Q1", "Q2"});
  CHECK(t.route("quick.orange.fox") == Names{"Q1"});
  CHECK(t.route("lazy.brown.fox") == Names{"Q2"});
  CHECK(t.route("quick.brown.fox") == Names{});
  CHECK(t.route("orange") == Names{});
  CHECK(t.route("quick.orange.new.rabbit") == Names{});
  CHECK(t.route("lazy.orange.new.rabbit") == Names{"Q2"});
}

TEST_CASE("topic: a queue matched by two bindings gets one copy") {
  TopicWorld t({{"Q1", "*.orange.*"}, {"Q2", "*.*.rabbit"}, {"Q2", "lazy.#"}});
  auto consumer_ch = t.admin.channel(2);
  t.w.consume(consumer_ch, "Q2", true);
  CHECK(t.route("lazy.pink.rabbit") == Names{"Q2"});
  CHECK(t.admin.deliveries.size() == 1);
}

TEST_CASE("topic: truth table of edge cases") {
  // One queue per binding key, named after it, so the table reads directly.
  const std::vector<std::string> keys = {"#", "*", "a", "a.*", "a.#", "a.#.b", "#.#", "*.#", "a..b", "a.", "*.*", "", "#.b", "a.*.#"};
  std::vector<std::pair<std::string, std::string>> bindings;
  for (const auto& k : keys) bindings.emplace_back("q[" + k + "]", k);
  TopicWorld t(bindings);

  struct Row {
    std::string routing_key;
    Names expected;
  };
  const std::vector<Row> table = {
      // The empty key has zero words: only '#'-only patterns and the empty binding match.
      {"", {"q[#.#]", "q[#]", "q[]"}},
      {"a", {"q[#.#]", "q[#]", "q[*.#]", "q[*]", "q[a.#]", "q[a]"}},
      {"b", {"q[#.#]", "q[#.b]", "q[#]", "q[*.#]", "q[*]"}},
      {"a.b", {"q[#.#]", "q[#.b]", "q[#]", "q[*.#]", "q[*.*]", "q[a.#.b]", "q[a.#]", "q[a.*.#]", "q[a.*]"}},
      {"a.x.y.b", {"q[#.#]", "q[#.b]", "q[#]", "q[*.#]", "q[a.#.b]", "q[a.#]", "q[a.*.#]"}},
      // "a..b" has an empty middle word, which '*' and '#' both accept.
      {"a..b", {"q[#.#]", "q[#.b]", "q[#]", "q[*.#]", "q[a.#.b]", "q[a.#]", "q[a.*.#]", "q[a..b]"}},
      // "a." is two words, "a" and "".
      {"a.", {"q[#.#]", "q[#]", "q[*.#]", "q[*.*]", "q[a.#]", "q[a.*.#]", "q[a.*]", "q[a.]"}},
      // "." is two empty words.
      {".", {"q[#.#]", "q[#]", "q[*.#]", "q[*.*]"}},
      {"x.y.z", {"q[#.#]", "q[#]", "q[*.#]"}},
  };
  for (const auto& row : table) {
    CAPTURE(row.routing_key);
    CHECK(t.route(row.routing_key) == row.expected);
  }
}

TEST_CASE("topic: unbinding removes exactly that binding and routing follows") {
  TopicWorld t({{"Q1", "*.orange.*"}, {"Q2", "*.*.rabbit"}, {"Q2", "lazy.#"}, {"Q3", "#"}});
  CHECK(t.route("lazy.pink.rabbit") == Names{"Q2", "Q3"});
  REQUIRE(t.w.broker.queue_unbind(t.ch, "Q2", "t", "*.*.rabbit").ok());
  CHECK(t.route("lazy.pink.rabbit") == Names{"Q2", "Q3"});  // still via lazy.#
  CHECK(t.route("quick.pink.rabbit") == Names{"Q3"});
  REQUIRE(t.w.broker.queue_unbind(t.ch, "Q2", "t", "lazy.#").ok());
  CHECK(t.route("lazy.pink.rabbit") == Names{"Q3"});
  REQUIRE(t.w.broker.queue_unbind(t.ch, "Q3", "t", "#").ok());
  CHECK(t.route("lazy.pink.rabbit") == Names{});
  CHECK(t.route("quick.orange.rabbit") == Names{"Q1"});
  // Binding again after unbinding works, and the pruned trie grows back.
  CHECK(t.route("lazy.orange.x") == Names{"Q1"});
  REQUIRE(t.w.broker.queue_bind(t.ch, "Q2", "t", "lazy.#").ok());
  CHECK(t.route("lazy.orange.x") == Names{"Q1", "Q2"});
}

TEST_CASE("topic: the trie agrees with the one-pattern matcher on many keys") {
  const std::vector<std::string> patterns = {"#", "*", "a.#", "#.a", "a.*.c", "*.b.#", "#.#.c", "a.#.#.c", "*.*.*", "", "b"};
  const std::vector<std::string> keys = {"", "a", "b", "c", "a.b", "a.c", "a.b.c", "b.b.c", "a.a.a.c", "a..c", ".", "a.b.c.d"};
  std::vector<std::pair<std::string, std::string>> bindings;
  for (const auto& p : patterns) bindings.emplace_back("q[" + p + "]", p);
  TopicWorld t(bindings);
  for (const auto& key : keys) {
    Names expected;
    for (const auto& p : patterns) {
      if (brokersim::broker::topic_matches(p, key)) expected.push_back("q[" + p + "]");
    }
    std::sort(expected.begin(), expected.end());
    CAPTURE(key);
    CHECK(t.route(key) == expected);
  }
}

TEST_CASE("topic: splitting keys into words follows RabbitMQ") {
  using brokersim::broker::split_topic_words;
  CHECK(split_topic_words("").empty());
  CHECK(split_topic_words("a").size() == 1);
  CHECK(split_topic_words("a.").size() == 2);
  CHECK(split_topic_words("a..b").size() == 3);
  CHECK(split_topic_words(".").size() == 2);
}
