#pragma once
// Topic: keys are dot-separated words. In a binding key '*' is exactly one word and '#' is
// zero or more words. Words may be empty ("a..b" has three), and the empty key has zero words.
// Binding keys are compiled into a trie once, at bind time, and each routing key's matches are
// remembered until the bindings change: a lesson publishes a handful of keys many times.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "broker/exchange.h"
#include "broker/string_hash.h"

namespace brokersim::broker {

// Splits on '.', as RabbitMQ does: "" -> [], "a." -> ["a", ""].
std::vector<std::string_view> split_topic_words(std::string_view key);
void split_topic_words(std::string_view key, std::vector<std::string_view>& words);
// Matches one binding key against one routing key without a trie (used by the explainer).
bool topic_matches(std::string_view binding_key, std::string_view routing_key);

class TopicExchange final : public Exchange {
 public:
  TopicExchange(std::string name, ExchangeSettings settings);
  ~TopicExchange() override;
  void route(const RoutingInput& input, std::vector<const Binding*>& matched) const override;

 protected:
  void on_bind(const Binding& binding) override;
  void on_unbind(const Binding& binding) override;

 private:
  struct Node {
    StringMap<std::unique_ptr<Node>> words;  // looked up, never iterated
    std::unique_ptr<Node> star;
    std::unique_ptr<Node> hash;
    std::vector<const Binding*> bindings;
    bool empty() const { return words.empty() && !star && !hash && bindings.empty(); }
  };
  static void match(const Node& node, const std::vector<std::string_view>& words, std::size_t at,
                    std::vector<const Binding*>& out);
  // The bindings `routing_key` matches, each once, in creation order.
  const std::vector<const Binding*>& matches_of(std::string_view routing_key) const;

  // Bounds the memo when keys are many and distinct (ids, timestamps in keys).
  static constexpr std::size_t kRememberedKeys = 1024;

  std::unique_ptr<Node> root_;
  // Bindings whose key is a lone '#' match everything: skip the trie walk for them.
  std::vector<const Binding*> match_all_;
  mutable std::vector<std::string_view> words_scratch_;
  mutable StringMap<std::vector<const Binding*>> matches_by_key_;  // forgotten on bind and unbind
};

}  // namespace brokersim::broker
