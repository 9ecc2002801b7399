#!/usr/bin/python3
"""brokersim serve --scenario scenarios/publish_subscribe.yaml: the scenario's topology is there,
its simulated consumers are attached, and its producer publishes in real time (2/s) while a
real pika client watches. Usage: scenario_alongside_check.py PORT"""
import sys
import time

import pika

port = int(sys.argv[1])
connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port, socket_timeout=5,
                                                                client_properties={"connection_name": "observer"}))
channel = connection.channel()
failures = 0


def check(ok, what):
    global failures
    print(("ok  " if ok else "FAIL") + ": " + what)
    failures += 0 if ok else 1


for queue in ("screen", "file"):
    declared = channel.queue_declare(queue=queue, passive=True)
    check(declared.method.consumer_count == 1, f"the scenario's subscriber on {queue} is consuming")
# The simulated producer sends 2 messages a second on the wall clock; a queue of our own bound
# to the scenario's fanout sees them arrive in real time.
mine = channel.queue_declare(queue="", exclusive=True).method.queue
channel.queue_bind(queue=mine, exchange="logs")
started = time.monotonic()
time.sleep(1.6)
count = channel.queue_declare(queue=mine, passive=True).method.message_count
elapsed = time.monotonic() - started
check(2 <= count <= 6, f"{count} simulated messages reached our queue in {elapsed:.1f} s of wall time (2/s expected)")
connection.close()
print(f"scenario alongside: {3 - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
