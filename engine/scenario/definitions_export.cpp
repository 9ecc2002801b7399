#include "scenario/definitions_export.h"

#include <algorithm>

#include "trace/json_string.h"

#include <cstdio>

namespace brokersim::scenario {
namespace {

using broker::FieldTable;
using broker::FieldValue;

void json_string(std::string& out, std::string_view s) { trace::append_json_string(out, s); }

void json_table(std::string& out, const FieldTable& table);

void json_value(std::string& out, const FieldValue& v) {
  if (v.is_void()) {
    out += "null";
  } else if (auto b = v.as_bool()) {
    out += *b ? "true" : "false";
  } else if (auto n = v.as_integer()) {
    out += std::to_string(*n);
  } else if (const std::string* s = v.as_string()) {
    json_string(out, *s);
  } else if (const auto* array = v.as_array()) {
    out += '[';
    for (std::size_t i = 0; i < array->size(); ++i) {
      if (i) out += ',';
      json_value(out, (*array)[i]);
    }
    out += ']';
  } else if (const auto* table = v.as_table()) {
    json_table(out, *table);
  } else {
    json_string(out, broker::to_display(v));
  }
}

void json_table(std::string& out, const FieldTable& table) {
  out += '{';
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (i) out += ',';
    json_string(out, table[i].first);
    out += ':';
    json_value(out, table[i].second);
  }
  out += '}';
}

const char* boolean(bool b) { return b ? "true" : "false"; }

bool has_void(const FieldTable& table) {
  for (const auto& [k, v] : table) {
    if (v.is_void()) return true;
    if (const auto* t = v.as_table(); t && has_void(*t)) return true;
  }
  return false;
}

}  // namespace

std::string export_definitions(const scenario::Scenario& s, std::vector<std::string>& warnings) {
  std::string out = "{\"rabbit_version\":\"3.10.8\",\"vhosts\":[{\"name\":\"/\"}],\"queues\":[";
  bool first = true;
  auto where = [&](scenario::Position at) { return s.file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": "; };
  std::vector<std::string> exclusive;  // left out, and so are the bindings to them
  for (const auto& q : s.queues) {
    if (q.exclusive) {  // RabbitMQ does not export exclusive queues either: they die with their connection
      exclusive.push_back(q.name);
      warnings.push_back(where(q.at) + "exclusive queue '" + q.name + "' left out: it belongs to a connection");
      continue;
    }
    if (!first) out += ',';
    first = false;
    out += "\n  {\"name\":";
    json_string(out, q.name);
    out += ",\"vhost\":\"/\",\"durable\":" + std::string(boolean(q.durable)) +
           ",\"auto_delete\":" + boolean(q.auto_delete) + ",\"arguments\":";
    json_table(out, q.arguments);
    out += '}';
  }
  out += "],\"exchanges\":[";
  first = true;
  for (const auto& x : s.exchanges) {
    if (!first) out += ',';
    first = false;
    out += "\n  {\"name\":";
    json_string(out, x.name);
    out += ",\"vhost\":\"/\",\"type\":";
    json_string(out, x.type);
    out += ",\"durable\":" + std::string(boolean(x.durable)) + ",\"auto_delete\":" + boolean(x.auto_delete) +
           ",\"internal\":" + boolean(x.internal) + ",\"arguments\":";
    json_table(out, x.arguments);
    out += '}';
  }
  out += "],\"bindings\":[";
  first = true;
  for (const auto& b : s.bindings) {
    if (has_void(b.arguments)) {
      warnings.push_back(where(b.at) + "binding from '" + b.exchange + "' to '" + b.destination +
                         "' left out: a void argument has no form in definitions JSON");
      continue;
    }
    if (!b.to_exchange && std::find(exclusive.begin(), exclusive.end(), b.destination) != exclusive.end()) {
      warnings.push_back(where(b.at) + "binding from '" + b.exchange + "' to '" + b.destination +
                         "' left out: its queue is exclusive, so it is not exported");
      continue;
    }
    if (!first) out += ',';
    first = false;
    out += "\n  {\"source\":";
    json_string(out, b.exchange);
    out += ",\"vhost\":\"/\",\"destination\":";
    json_string(out, b.destination);
    out += ",\"destination_type\":";
    out += b.to_exchange ? "\"exchange\"" : "\"queue\"";
    out += ",\"routing_key\":";
    json_string(out, b.key);
    out += ",\"arguments\":";
    json_table(out, b.arguments);
    out += '}';
  }
  out += "]}\n";
  return out;
}

}  // namespace brokersim::scenario
