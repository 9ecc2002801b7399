#!/usr/bin/env python3
"""Writes the fuzzer's seed corpus: a mode byte, then real client traffic (as pika sends it)
for the fuzzer to mutate. Run once; the corpus is checked in."""
import os, struct, sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
os.makedirs(out, exist_ok=True)

def frame(t, ch, payload):
    return struct.pack(">BHI", t, ch, len(payload)) + payload + b"\xce"

def shortstr(s):
    return struct.pack(">B", len(s)) + s

def method(ch, cls, mid, args=b""):
    return frame(1, ch, struct.pack(">HH", cls, mid) + args)

def table(entries):
    body = b"".join(shortstr(k) + v for k, v in entries)
    return struct.pack(">I", len(body)) + body

declare = method(1, 50, 10, struct.pack(">H", 0) + shortstr(b"q") + b"\x00" +
                 table([(b"x-message-ttl", b"I" + struct.pack(">i", 100)),
                        (b"x-dead-letter-exchange", b"S" + struct.pack(">I", 3) + b"dlx")]))
publish = method(1, 60, 40, struct.pack(">H", 0) + shortstr(b"") + shortstr(b"q") + b"\x01")
header = frame(2, 1, struct.pack(">HHQH", 60, 0, 5, 0x9000) + shortstr(b"text/plain") + b"\x02")
body = frame(3, 1, b"hello")
consume = method(1, 60, 20, struct.pack(">H", 0) + shortstr(b"q") + shortstr(b"") + b"\x00" + table([]))
ack = method(1, 60, 80, struct.pack(">QB", 1, 0))
confirm = method(1, 85, 10, b"\x00")
heartbeat = frame(8, 0, b"")
close = method(0, 10, 50, struct.pack(">H", 200) + shortstr(b"bye") + struct.pack(">HH", 0, 0))

seeds = {
    "raw-header": b"\x00AMQP\x00\x00\x09\x01",
    "raw-bad-header": b"\x00AMQP\x01\x01\x00\x09",
    "open-heartbeat": b"\x01" + heartbeat,
    "open-channel": b"\x01" + method(1, 20, 10, shortstr(b"")),
    "channel-declare-publish": b"\x02" + declare + confirm + publish + header + body,
    "channel-consume-ack": b"\x0a" + declare + consume + publish + header + body + ack + close,
    "channel-close": b"\x02" + method(1, 20, 40, struct.pack(">H", 200) + shortstr(b"") + struct.pack(">HH", 0, 0)),
}
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print(f"wrote {len(seeds)} seeds to {out}")
