#!/usr/bin/python3
"""A small real shop for brokersim-gui --amqp to draw: a publisher named checkout-service sends
to a topic exchange for a few seconds while a consumer named billing-worker acks what it gets.
Usage: live_gui_client.py PORT [SECONDS]"""
import sys
import time

import pika

port = int(sys.argv[1])
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 6.0
# The GUI opens its port once its window is up; wait for it.
deadline = time.time() + 30
while True:
    try:
        publisher = pika.BlockingConnection(pika.ConnectionParameters(
            "127.0.0.1", port, socket_timeout=5, client_properties={"connection_name": "checkout-service"}))
        break
    except pika.exceptions.AMQPConnectionError:
        if time.time() > deadline:
            raise
        time.sleep(0.2)
channel = publisher.channel()
channel.exchange_declare("orders", "topic")
for queue, key in [("billing", "order.*"), ("audit", "#")]:
    channel.queue_declare(queue)
    channel.queue_bind(queue, "orders", key)
consumer = pika.BlockingConnection(pika.ConnectionParameters(
    "127.0.0.1", port, socket_timeout=5, client_properties={"connection_name": "billing-worker"}))
consumer_channel = consumer.channel()
consumer_channel.basic_qos(prefetch_count=5)
consumer_channel.basic_consume("billing", lambda ch, method, props, body: ch.basic_ack(method.delivery_tag))
end = time.time() + seconds
sent = 0
try:
    while time.time() < end:
        channel.basic_publish("orders", ["order.created", "order.paid", "invoice.sent"][sent % 3], b"order %d" % sent)
        sent += 1
        consumer.process_data_events(0.05)
        publisher.process_data_events(0.05)
except pika.exceptions.AMQPError:
    pass  # the GUI took its picture and went away
print(f"published {sent} messages")
