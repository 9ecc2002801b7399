#pragma once
// Field tables and arrays on the wire, with every value type RabbitMQ uses (its one-letter
// tags: t b B s u I i l f d D S x T F A V).
#include <optional>
#include <string>
#include <string_view>

#include "amqp/byte_io.h"
#include "broker/field_table.h"

namespace brokersim::amqp {

// Hostile input could nest tables without end; past this depth a table is a syntax error.
inline constexpr int kMaxFieldNesting = 64;

void write_table(ByteWriter& out, const broker::FieldTable& table);
// Reads a length-prefixed table; on malformed input the reader is marked failed.
broker::FieldTable read_table(ByteReader& in, int depth = 0);
// A table's entries without the length prefix (AMQPLAIN's response is written this way).
broker::FieldTable read_table_entries(ByteReader& in, int depth = 0);

}  // namespace brokersim::amqp
