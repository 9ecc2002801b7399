"""A minimal raw-socket AMQP 0-9-1 client, for what pika cannot do: go silent, send a bad
header, look at frame boundaries."""

import socket
import struct
import time

PROTOCOL_HEADER = b"AMQP\x00\x00\x09\x01"
FRAME_METHOD, FRAME_HEADER, FRAME_BODY, FRAME_HEARTBEAT = 1, 2, 3, 8
FRAME_END = b"\xce"


def shortstr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("B", len(b)) + b


def longstr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack(">I", len(b)) + b


def method_payload(class_id, method_id, args=b""):
    return struct.pack(">HH", class_id, method_id) + args


class RawClient:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def send_frame(self, ftype, channel, payload):
        self.sock.sendall(struct.pack(">BHI", ftype, channel, len(payload)) + payload + FRAME_END)

    def send_method(self, channel, class_id, method_id, args=b""):
        self.send_frame(FRAME_METHOD, channel, method_payload(class_id, method_id, args))

    def _fill(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("read timed out")
            self.sock.settimeout(left)
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError("connection closed by the server")
            self.buf += chunk

    def read_frame(self, timeout=5.0):
        """(type, channel, payload)."""
        deadline = time.monotonic() + timeout
        self._fill(7, deadline)
        ftype, channel, size = struct.unpack(">BHI", self.buf[:7])
        self._fill(7 + size + 1, deadline)
        payload = self.buf[7:7 + size]
        if self.buf[7 + size:8 + size] != FRAME_END:
            raise AssertionError("bad frame end")
        self.buf = self.buf[8 + size:]
        return ftype, channel, payload

    def read_method(self, timeout=5.0, skip_heartbeats=True):
        """(channel, class_id, method_id, args) of the next method frame."""
        while True:
            ftype, channel, payload = self.read_frame(timeout)
            if ftype == FRAME_HEARTBEAT and skip_heartbeats:
                continue
            if ftype != FRAME_METHOD:
                raise AssertionError("expected a method frame, got type %d" % ftype)
            class_id, method_id = struct.unpack(">HH", payload[:4])
            return channel, class_id, method_id, payload[4:]

    def expect_method(self, class_id, method_id, timeout=5.0):
        channel, c, m, args = self.read_method(timeout)
        if (c, m) != (class_id, method_id):
            raise AssertionError("expected method %d.%d, got %d.%d %r" % (class_id, method_id, c, m, args[:200]))
        return args

    def start_ok(self, user="guest", password="guest", capabilities=(), mechanism="PLAIN"):
        """Sends the header, reads connection.start and answers start-ok."""
        self.sock.sendall(PROTOCOL_HEADER)
        self.expect_method(10, 10)  # start
        caps = b"".join(shortstr(c) + b"t\x01" for c in capabilities)
        props = shortstr("capabilities") + b"F" + longstr(caps) if caps else b""
        if mechanism == "PLAIN":
            response = b"\x00" + user.encode() + b"\x00" + password.encode()
        else:
            response = shortstr("LOGIN") + b"S" + longstr(user) + shortstr("PASSWORD") + b"S" + longstr(password)
        self.send_method(0, 10, 11, longstr(props) + shortstr(mechanism) + longstr(response) + shortstr("en_US"))

    def handshake(self, user="guest", password="guest", heartbeat=0, frame_max=131072, channel_max=2047):
        """Runs the handshake up to connection.open-ok; returns the server's tune (channel_max, frame_max, heartbeat)."""
        self.start_ok(user, password)
        tune = self.expect_method(10, 30)
        server_tune = struct.unpack(">HIH", tune[:8])
        self.send_method(0, 10, 31, struct.pack(">HIH", channel_max, frame_max, heartbeat))
        self.send_method(0, 10, 40, shortstr("/") + shortstr("") + b"\x00")
        self.expect_method(10, 41)
        return server_tune

    def open_channel(self, channel=1):
        self.send_method(channel, 20, 10, shortstr(""))
        self.expect_method(20, 11)

    def basic_get(self, channel, queue, no_ack=True):
        """Returns (get-ok args, header payload, [body frame payloads]), or None for get-empty."""
        self.send_method(channel, 60, 70, struct.pack(">H", 0) + shortstr(queue) + (b"\x01" if no_ack else b"\x00"))
        _, c, m, args = self.read_method()
        if (c, m) == (60, 72):
            return None
        if (c, m) != (60, 71):
            raise AssertionError("expected basic.get-ok, got %d.%d %r" % (c, m, args[:200]))
        ftype, _, header = self.read_frame()
        if ftype != FRAME_HEADER:
            raise AssertionError("expected a content header")
        body_size = struct.unpack(">Q", header[4:12])[0]
        bodies = []
        got = 0
        while got < body_size:
            ftype, _, payload = self.read_frame()
            if ftype != FRAME_BODY:
                raise AssertionError("expected a body frame, got %d" % ftype)
            bodies.append(payload)
            got += len(payload)
        return args, header, bodies

    def read_until_closed(self, timeout):
        """Reads and discards until the server closes the socket; returns (seconds, data read)."""
        start = time.monotonic()
        deadline = start + timeout
        data = self.buf
        self.buf = b""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("the server did not close the connection within %ss" % timeout)
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                return time.monotonic() - start, data
            except socket.timeout:
                continue
            if not chunk:
                return time.monotonic() - start, data
            data += chunk
