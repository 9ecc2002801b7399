// libFuzzer target: arbitrary bytes into the AMQP codec and connection state machine. The
// first input byte picks a starting point (raw bytes, or after a valid handshake, or inside
// an open channel) so the fuzzer reaches deep states without having to discover the
// handshake itself. Any crash, hang, sanitizer report or broken broker invariant is a bug.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "../amqp_wire_client.h"
#include "amqp/content_header.h"
#include "amqp/field_codec.h"

using namespace brokersim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  // The pure decoders, on the raw bytes.
  (void)amqp::decode_frame(input, 131072);
  (void)amqp::decode_method(input);
  (void)amqp::decode_content_header(input);
  amqp::ByteReader reader(input);
  (void)amqp::read_table(reader);

  // The connection, fed in pieces whose sizes the input also chooses.
  testing::WireWorld world;
  auto connection = world.connect();
  std::string prefix;
  if (mode % 3 >= 1) prefix = testing::client_handshake(mode & 0x80 ? 1 : 0, 4096);
  if (mode % 3 == 2) {
    prefix += testing::client_method(1, amqp::Method::make(amqp::kChannelOpen, {std::string()}));
  }
  std::string pending;
  testing::WireWorld::exchange(*connection, pending, prefix);
  const std::size_t piece = 1 + (mode >> 3) % 16;
  for (std::size_t at = 0; at < input.size() && !connection->finished(); at += piece) {
    testing::WireWorld::exchange(*connection, pending, std::string(input.substr(at, piece)));
  }
  // Let timers (heartbeats, handshake and close timeouts) run out.
  world.advance_ms(15000);
  connection.reset();
  if (!world.broker.nothing_lost()) std::abort();
  return 0;
}
