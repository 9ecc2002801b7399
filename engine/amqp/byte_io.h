#pragma once
// Big-endian reading and writing of AMQP's primitive types. The reader never reads past its
// input: a short read marks it failed and returns zeros, so decoders check once at the end
// instead of after every field.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace brokersim::amqp {

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

  bool failed() const { return failed_; }
  void fail() { failed_ = true; }
  std::size_t remaining() const { return failed_ ? 0 : bytes_.size() - position_; }
  bool at_end() const { return remaining() == 0; }

  std::uint8_t u8() { return static_cast<std::uint8_t>(take_integer(1)); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(take_integer(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(take_integer(4)); }
  std::uint64_t u64() { return take_integer(8); }
  std::string_view bytes(std::size_t count) {
    if (count > remaining()) {
      failed_ = true;
      return {};
    }
    std::string_view out = bytes_.substr(position_, count);
    position_ += count;
    return out;
  }
  std::string_view short_string() { return bytes(u8()); }
  std::string_view long_string() { return bytes(u32()); }

 private:
  std::uint64_t take_integer(std::size_t width) {
    if (width > remaining()) {
      failed_ = true;
      return 0;
    }
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i) value = (value << 8) | static_cast<std::uint8_t>(bytes_[position_ + i]);
    position_ += width;
    return value;
  }

  std::string_view bytes_;
  std::size_t position_ = 0;
  bool failed_ = false;
};

class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(std::uint16_t v) { put_integer(v, 2); }
  void u32(std::uint32_t v) { put_integer(v, 4); }
  void u64(std::uint64_t v) { put_integer(v, 8); }
  void bytes(std::string_view b) { out_.append(b); }
  // Short strings are at most 255 bytes. Callers cut longer ones the way the protocol wants
  // (reply texts end in "..."); anything that slips through is clamped, never a corrupt frame.
  void short_string(std::string_view s) {
    s = s.substr(0, 255);
    u8(static_cast<std::uint8_t>(s.size()));
    out_.append(s);
  }
  void long_string(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }
  std::size_t size() const { return out_.size(); }
  // Writes a big-endian u32 at an earlier position (length prefixes known only afterwards).
  void patch_u32(std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out_[at + i] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
  }

 private:
  void put_integer(std::uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }

  std::string& out_;
};

}  // namespace brokersim::amqp
