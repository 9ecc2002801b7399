#include "scenario/definitions_import.h"

#include <cstdio>
#include <regex>

#include "broker/reserved_names.h"
#include "scenario/json.h"

namespace brokersim::scenario {
namespace {

std::string yaml_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string yaml_value(const JsonValue& v) {
  if (std::holds_alternative<std::nullptr_t>(v.value)) return "~";
  if (auto b = std::get_if<bool>(&v.value)) return *b ? "true" : "false";
  if (auto i = std::get_if<std::int64_t>(&v.value)) return std::to_string(*i);
  if (auto d = std::get_if<double>(&v.value)) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", *d);
    return buf;
  }
  if (const std::string* s = v.string()) return yaml_quote(*s);
  if (const JsonArray* a = v.array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < a->size(); ++i) out += (i ? ", " : "") + yaml_value((*a)[i]);
    return out + "]";
  }
  std::string out = "{";
  const JsonObject* o = v.object();
  for (std::size_t i = 0; i < o->size(); ++i) out += (i ? ", " : "") + yaml_quote((*o)[i].first) + ": " + yaml_value((*o)[i].second);
  return out + "}";
}

bool flag(const JsonValue& item, const char* key) {
  const JsonValue* v = item.get(key);
  const bool* b = v ? std::get_if<bool>(&v->value) : nullptr;
  return b && *b;
}

std::string text(const JsonValue& item, const char* key) {
  const JsonValue* v = item.get(key);
  return v && v->string() ? *v->string() : std::string();
}

struct Policy {
  std::string name;
  std::regex pattern;
  std::string apply_to;  // all, queues, exchanges
  std::int64_t priority = 0;
  const JsonObject* definition = nullptr;
};

// Policy keys and the x-argument each stands for; numeric limits take the lower of policy and
// argument, as RabbitMQ resolves them; for the others an argument set on the queue wins.
struct PolicyKey {
  const char* policy;
  const char* argument;
  bool lower_wins;
};
constexpr PolicyKey kQueuePolicyKeys[] = {
    {"message-ttl", "x-message-ttl", true},          {"expires", "x-expires", true},
    {"max-length", "x-max-length", true},            {"max-length-bytes", "x-max-length-bytes", true},
    {"delivery-limit", "x-delivery-limit", true},    {"dead-letter-exchange", "x-dead-letter-exchange", false},
    {"dead-letter-routing-key", "x-dead-letter-routing-key", false}, {"overflow", "x-overflow", false},
    {"queue-mode", "x-queue-mode", false}};
constexpr PolicyKey kExchangePolicyKeys[] = {{"alternate-exchange", "alternate-exchange", false}};

const Policy* policy_for(const std::vector<Policy>& policies, const std::string& name, bool queue) {
  const Policy* best = nullptr;
  for (const Policy& p : policies) {
    const bool applies = p.apply_to == "all" || p.apply_to == (queue ? "queues" : "exchanges");
    if (!applies || !std::regex_search(name, p.pattern)) continue;
    if (!best || p.priority > best->priority) best = &p;
  }
  return best;
}

// The arguments after the policy, as a YAML flow mapping.
std::string arguments_with_policy(const JsonValue& item, const Policy* policy, bool queue) {
  JsonObject args;
  if (const JsonValue* a = item.get("arguments"); a && a->object()) args = *a->object();
  if (policy && policy->definition) {
    const auto keys = queue ? std::vector<PolicyKey>(std::begin(kQueuePolicyKeys), std::end(kQueuePolicyKeys))
                            : std::vector<PolicyKey>(std::begin(kExchangePolicyKeys), std::end(kExchangePolicyKeys));
    for (const PolicyKey& k : keys) {
      const JsonValue* from_policy = nullptr;
      for (const auto& [key, value] : *policy->definition)
        if (key == k.policy) from_policy = &value;
      if (!from_policy) continue;
      JsonValue* existing = nullptr;
      for (auto& [key, value] : args)
        if (key == k.argument) existing = &value;
      if (!existing) {
        args.emplace_back(k.argument, *from_policy);
      } else if (k.lower_wins) {
        const std::int64_t* a = std::get_if<std::int64_t>(&existing->value);
        const std::int64_t* b = std::get_if<std::int64_t>(&from_policy->value);
        if (a && b && *b < *a) *existing = *from_policy;
      }
    }
  }
  if (args.empty()) return "{}";
  return yaml_value(JsonValue{std::make_shared<JsonObject>(std::move(args))});
}

// One import: the definitions' lists, the policies that apply, and what is said on the way.
class Importer {
 public:
  Importer(const JsonValue& root, ImportResult& out) : root_(root), out_(out) { read_policies(); }

  std::string exchanges() {
    std::string yaml = "  exchanges:\n";
    std::size_t n = 0;
    for (const JsonValue& x : list("exchanges")) {
      const std::string name = text(x, "name");
      if (!in_default_vhost(x, "exchange '" + name + "'")) continue;
      if (name.empty() || broker::is_reserved_name(name)) continue;  // built in, as RabbitMQ skips them
      ++n;
      yaml += "    - {name: " + yaml_quote(name) + ", type: " + yaml_quote(text(x, "type").empty() ? "direct" : text(x, "type")) +
              ", durable: " + (flag(x, "durable") ? "true" : "false") + ", auto_delete: " +
              (flag(x, "auto_delete") ? "true" : "false") + ", internal: " + (flag(x, "internal") ? "true" : "false") +
              ", arguments: " + arguments_with_policy(x, policy_for(policies_, name, false), false) + "}\n";
    }
    return n ? yaml : yaml + "    []\n";
  }

  std::string queues() {
    std::string yaml = "  queues:\n";
    std::size_t n = 0;
    for (const JsonValue& q : list("queues")) {
      const std::string name = text(q, "name");
      if (!in_default_vhost(q, "queue '" + name + "'")) continue;
      if (broker::is_reserved_name(name)) {
        out_.warnings.push_back("queue '" + name + "' skipped: names starting with amq. are reserved");
        continue;
      }
      ++n;
      yaml += "    - {name: " + yaml_quote(name) + ", durable: " + (flag(q, "durable") ? "true" : "false") +
              ", auto_delete: " + (flag(q, "auto_delete") ? "true" : "false") +
              ", arguments: " + arguments_with_policy(q, policy_for(policies_, name, true), true) + "}\n";
    }
    return n ? yaml : yaml + "    []\n";
  }

  std::string bindings() {
    std::string yaml = "  bindings:\n";
    std::size_t n = 0;
    for (const JsonValue& b : list("bindings")) {
      const std::string source = text(b, "source"), destination = text(b, "destination");
      if (!in_default_vhost(b, "binding from '" + source + "'")) continue;
      if (source.empty()) continue;  // the default exchange's bindings are implicit
      ++n;
      const bool to_exchange = text(b, "destination_type") == "exchange";
      std::string args = "{}";
      if (const JsonValue* a = b.get("arguments"); a && a->object() && !a->object()->empty()) args = yaml_value(*a);
      yaml += "    - {exchange: " + yaml_quote(source) + (to_exchange ? ", to_exchange: " : ", queue: ") +
              yaml_quote(destination) + ", key: " + yaml_quote(text(b, "routing_key")) + ", arguments: " + args + "}\n";
    }
    return n ? yaml : yaml + "    []\n";
  }

 private:
  const JsonArray& list(const char* key) const {
    static const JsonArray kNone;
    const JsonValue* v = root_.get(key);
    return v && v->array() ? *v->array() : kNone;
  }

  bool in_default_vhost(const JsonValue& item, const std::string& what) {
    const std::string vhost = text(item, "vhost");
    if (vhost.empty() || vhost == "/") return true;
    out_.warnings.push_back(what + " is in vhost '" + vhost + "'; brokersim has only '/'");
    return false;
  }

  void read_policies() {
    for (const JsonValue& p : list("policies")) {
      if (!in_default_vhost(p, "policy '" + text(p, "name") + "'")) continue;
      Policy policy;
      policy.name = text(p, "name");
      try {
        policy.pattern = std::regex(text(p, "pattern"));
      } catch (const std::regex_error&) {
        out_.warnings.push_back("policy '" + policy.name + "' has a pattern this importer cannot read; it was left out");
        continue;
      }
      policy.apply_to = text(p, "apply-to").empty() ? "all" : text(p, "apply-to");
      if (const JsonValue* prio = p.get("priority"))
        if (auto n = std::get_if<std::int64_t>(&prio->value)) policy.priority = *n;
      if (const JsonValue* d = p.get("definition")) policy.definition = d->object();
      policies_.push_back(std::move(policy));
    }
  }

  const JsonValue& root_;
  ImportResult& out_;
  std::vector<Policy> policies_;
};

}  // namespace

ImportResult import_definitions(const std::string& json_text, const std::string& scenario_name) {
  ImportResult out;
  JsonResult parsed = parse_json(json_text);
  if (!parsed.value) {
    out.error = "not valid JSON: " + parsed.error;
    return out;
  }
  if (!parsed.value->object()) {
    out.error = "definitions must be a JSON object with exchanges, queues and bindings";
    return out;
  }
  Importer importer(*parsed.value, out);
  std::string yaml = "name: " + yaml_quote(scenario_name) + "\n";
  yaml += "description: Imported from RabbitMQ definitions.\nduration: 60s\n\nbroker:\n";
  yaml += importer.exchanges();
  yaml += importer.queues();
  yaml += importer.bindings();
  out.yaml = std::move(yaml);
  return out;
}

}  // namespace brokersim::scenario
