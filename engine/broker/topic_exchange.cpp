#include "broker/topic_exchange.h"

#include <algorithm>

namespace brokersim::broker {

void split_topic_words(std::string_view key, std::vector<std::string_view>& words) {
  words.clear();
  if (key.empty()) return;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = key.find('.', start);
    if (dot == std::string_view::npos) {
      words.push_back(key.substr(start));
      return;
    }
    words.push_back(key.substr(start, dot - start));
    start = dot + 1;
  }
}

std::vector<std::string_view> split_topic_words(std::string_view key) {
  std::vector<std::string_view> words;
  split_topic_words(key, words);
  return words;
}

namespace {

bool match_words(const std::vector<std::string_view>& pattern, std::size_t p,
                 const std::vector<std::string_view>& words, std::size_t w) {
  if (p == pattern.size()) return w == words.size();
  if (pattern[p] == "#") {
    for (std::size_t skip = w; skip <= words.size(); ++skip) {
      if (match_words(pattern, p + 1, words, skip)) return true;
    }
    return false;
  }
  if (w == words.size()) return false;
  return (pattern[p] == "*" || pattern[p] == words[w]) && match_words(pattern, p + 1, words, w + 1);
}

}  // namespace

bool topic_matches(std::string_view binding_key, std::string_view routing_key) {
  return match_words(split_topic_words(binding_key), 0, split_topic_words(routing_key), 0);
}

TopicExchange::TopicExchange(std::string name, ExchangeSettings settings)
    : Exchange(std::move(name), ExchangeType::kTopic, std::move(settings)), root_(std::make_unique<Node>()) {}

TopicExchange::~TopicExchange() = default;

void TopicExchange::on_bind(const Binding& binding) {
  matches_by_key_.clear();
  if (binding.key == "#") {
    match_all_.push_back(&binding);
    return;
  }
  Node* node = root_.get();
  for (std::string_view word : split_topic_words(binding.key)) {
    std::unique_ptr<Node>* next = nullptr;
    if (word == "*") {
      next = &node->star;
    } else if (word == "#") {
      next = &node->hash;
    } else {
      next = &node->words[std::string(word)];
    }
    if (!*next) *next = std::make_unique<Node>();
    node = next->get();
  }
  node->bindings.push_back(&binding);
}

void TopicExchange::on_unbind(const Binding& binding) {
  matches_by_key_.clear();
  if (binding.key == "#") {
    match_all_.erase(std::remove(match_all_.begin(), match_all_.end(), &binding), match_all_.end());
    return;
  }
  // Walk down remembering the path, remove the binding, then prune nodes left empty.
  const auto words = split_topic_words(binding.key);
  std::vector<std::pair<Node*, std::string_view>> path;
  Node* node = root_.get();
  for (std::string_view word : words) {
    path.emplace_back(node, word);
    Node* next = nullptr;
    if (word == "*") {
      next = node->star.get();
    } else if (word == "#") {
      next = node->hash.get();
    } else {
      auto it = node->words.find(word);
      next = it == node->words.end() ? nullptr : it->second.get();
    }
    if (!next) return;
    node = next;
  }
  auto& list = node->bindings;
  list.erase(std::remove(list.begin(), list.end(), &binding), list.end());
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    auto [parent, word] = *it;
    std::unique_ptr<Node>* child = nullptr;
    if (word == "*") {
      child = &parent->star;
    } else if (word == "#") {
      child = &parent->hash;
    } else {
      child = &parent->words.find(word)->second;
    }
    if (!(*child)->empty()) break;
    if (word == "*" || word == "#") {
      child->reset();
    } else {
      parent->words.erase(parent->words.find(word));
    }
  }
}

void TopicExchange::match(const Node& node, const std::vector<std::string_view>& words, std::size_t at,
                          std::vector<const Binding*>& out) {
  if (node.hash) {
    // '#' swallows zero or more words: try every split.
    for (std::size_t skip = at; skip <= words.size(); ++skip) match(*node.hash, words, skip, out);
  }
  if (at == words.size()) {
    out.insert(out.end(), node.bindings.begin(), node.bindings.end());
    return;
  }
  if (!node.words.empty()) {
    auto it = node.words.find(words[at]);
    if (it != node.words.end()) match(*it->second, words, at + 1, out);
  }
  if (node.star) match(*node.star, words, at + 1, out);
}

const std::vector<const Binding*>& TopicExchange::matches_of(std::string_view routing_key) const {
  if (auto it = matches_by_key_.find(routing_key); it != matches_by_key_.end()) return it->second;
  if (matches_by_key_.size() >= kRememberedKeys) matches_by_key_.clear();
  std::vector<const Binding*> hits(match_all_);
  split_topic_words(routing_key, words_scratch_);
  match(*root_, words_scratch_, 0, hits);
  sort_unique_by_id(hits, 0);
  return matches_by_key_.emplace(std::string(routing_key), std::move(hits)).first->second;
}

void TopicExchange::route(const RoutingInput& input, std::vector<const Binding*>& matched) const {
  const std::size_t from = matched.size();
  if (input.routing_keys.empty()) matched.insert(matched.end(), match_all_.begin(), match_all_.end());
  for (std::string_view key : input.routing_keys) {
    const std::vector<const Binding*>& hits = matches_of(key);
    matched.insert(matched.end(), hits.begin(), hits.end());
  }
  if (input.routing_keys.size() > 1) sort_unique_by_id(matched, from);
}

}  // namespace brokersim::broker
