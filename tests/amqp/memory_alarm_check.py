#!/usr/bin/python3
"""Past the memory high watermark a publisher gets connection.blocked, and connection.unblocked
once usage falls (here: another connection purges the queue); publishing works again after.
Run against `brokersim serve --memory-high-watermark 100000`. Usage: memory_alarm_check.py PORT"""
import sys

import pika

port = int(sys.argv[1])
params = pika.ConnectionParameters("127.0.0.1", port, socket_timeout=5, blocked_connection_timeout=None)
publisher = pika.BlockingConnection(params)
events = []
publisher.add_on_connection_blocked_callback(lambda conn, frame: events.append("blocked"))
publisher.add_on_connection_unblocked_callback(lambda conn, frame: events.append("unblocked"))
channel = publisher.channel()
channel.queue_declare(queue="fill")
for _ in range(150):  # 150 KiB of bodies, over the 100,000-byte watermark
    channel.basic_publish("", "fill", b"x" * 1024)
publisher.process_data_events(0.5)
failures = 0


def check(ok, what):
    global failures
    print(("ok  " if ok else "FAIL") + ": " + what)
    failures += 0 if ok else 1


check(events == ["blocked"], f"the publisher was blocked (saw {events})")
other = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port, socket_timeout=5))
purged = other.channel().queue_purge("fill").method.message_count
publisher.process_data_events(0.5)
check(purged > 0 and events == ["blocked", "unblocked"], f"unblocked after purging {purged} messages (saw {events})")
channel.basic_publish("", "fill", b"after")
publisher.process_data_events(0.2)
depth = other.channel().queue_declare(queue="fill", passive=True).method.message_count
# The server stopped reading the blocked publisher's socket, so what it sent meanwhile was
# held, not lost: it arrives after the purge, then the new message.
check(depth == 150 - purged + 1, f"nothing lost and publishing works again ({purged} purged, {depth} left of 151)")
other.close()
publisher.close()
print(f"memory alarm: {3 - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
