"""Finer RabbitMQ 3.10 semantics: qos flavours, consumer priority, single active consumer,
auto-delete, x-expires, CC/BCC, topic and headers corner cases, TTL 0, server-generated names."""

import struct
import time

import pika

import harness
import raw_amqp
from harness import eq, true, test, wait_for, expect_channel_error, expect_connection_error, get_all


def bodies(msgs):
    return [b for _, _, b in msgs]


def settle(conn, t=0.3):
    # RabbitMQ hands publishes to queues through delegate processes: a passive declare right
    # after a publish may not count it yet. Give it a moment.
    harness.pump(conn, t)


@test()
def test_qos_global_and_per_consumer(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.queue()
    ch.queue_declare(q)
    for i in range(10):
        ch.basic_publish("", q, b"%d" % i)
    # global=True limits the whole channel; global=False each new consumer; both apply.
    ch.basic_qos(prefetch_count=2, global_qos=False)
    ch.basic_qos(prefetch_count=3, global_qos=True)
    a, b = [], []
    ch.basic_consume(q, lambda c, m, p, bd: a.append(bd))
    ch.basic_consume(q, lambda c, m, p, bd: b.append(bd))
    settle(conn, 0.5)
    eq((len(a), len(b)), (2, 1), "per-consumer 2, channel 3")
    ch2 = conn.channel()
    ch2.basic_qos(prefetch_count=3, global_qos=True)
    c1, c2 = [], []
    ch2.basic_consume(q, lambda c, m, p, bd: c1.append(bd))
    ch2.basic_consume(q, lambda c, m, p, bd: c2.append(bd))
    settle(conn, 0.5)
    eq((len(c1), len(c2)), (3, 0), "a global limit shared by the channel's consumers")


@test()
def test_consumer_priority(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.queue()
    ch.queue_declare(q)
    ch.basic_qos(prefetch_count=2)
    lo, hi = [], []
    ch.basic_consume(q, lambda c, m, p, b: lo.append(b))
    ch.basic_consume(q, lambda c, m, p, b: hi.append(b), arguments={"x-priority": 5})
    for i in range(5):
        ch.basic_publish("", q, b"%d" % i)
    settle(conn, 0.5)
    eq((hi, lo), ([b"0", b"1"], [b"2", b"3"]), "the higher priority consumer first, while it has room")


@test()
def test_single_active_consumer(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.queue("sac")
    ch.queue_declare(q, arguments={"x-single-active-consumer": True})
    a, b = [], []
    ta = ch.basic_consume(q, lambda c, m, p, bd: a.append(bd))
    ch2 = conn.channel()
    ch2.basic_consume(q, lambda c, m, p, bd: b.append(bd), auto_ack=True)
    eq(ch.queue_declare(q, passive=True).method.consumer_count, 2, "both consumers count")
    for i in range(3):
        ch.basic_publish("", q, b"%d" % i)
    wait_for(conn, lambda: len(a) == 3, what="3 deliveries to the active consumer")
    settle(conn, 0.2)
    eq((a, b), ([b"0", b"1", b"2"], []), "only the first consumer is active")
    ch.basic_cancel(ta)
    for i in range(3, 5):
        ch.basic_publish("", q, b"%d" % i)
    wait_for(conn, lambda: len(b) == 2, what="deliveries to the next consumer")
    eq(b, [b"3", b"4"], "the next consumer takes over")
    ch.basic_nack(0, multiple=True, requeue=True)  # cancelled consumer's unacked go to the new one
    wait_for(conn, lambda: len(b) == 5, what="requeued deliveries")
    eq(b[2:], [b"0", b"1", b"2"], "requeued after")


@test()
def test_auto_delete_exchange_and_x_expires(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    x, q = ctx.exchange("ad"), ctx.queue()
    ch.exchange_declare(x, "fanout", auto_delete=True)
    ch.queue_declare(q)
    settle(conn, 0.2)
    ch.exchange_declare(x, passive=True)  # never bound: it stays
    ch.queue_bind(q, x)
    ch.queue_unbind(q, x)
    expect_channel_error(lambda: ch.exchange_declare(x, passive=True), 404,
                         "NOT_FOUND - no exchange '%s' in vhost '/'" % x)
    src, dst = ctx.exchange("src"), ctx.exchange("dst")
    ch = conn.channel()
    ch.exchange_declare(src, "fanout", auto_delete=True)
    ch.exchange_declare(dst, "fanout")
    ch.exchange_bind(dst, src)
    ch.exchange_unbind(dst, src)
    expect_channel_error(lambda: ch.exchange_declare(src, passive=True), 404,
                         "NOT_FOUND - no exchange '%s' in vhost '/'" % src)
    ch = conn.channel()
    qe = ctx.queue("exp")
    ch.queue_declare(qe, arguments={"x-expires": 300})
    time.sleep(0.8)
    expect_channel_error(lambda: ch.queue_declare(qe, passive=True), 404,
                         "NOT_FOUND - no queue '%s' in vhost '/'" % qe)


@test()
def test_cc_and_bcc_headers(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q1, q2, q3 = ctx.queue("a"), ctx.queue("b"), ctx.queue("c")
    for q in (q1, q2, q3):
        ch.queue_declare(q)
    ch.basic_publish("", q1, b"x", pika.BasicProperties(headers={"CC": [q2], "BCC": [q3], "a": 1}))
    settle(conn, 0.2)
    for q in (q1, q2, q3):
        m, p, b = ch.basic_get(q, auto_ack=True)
        true(m is not None, "a copy in " + q)
        eq((m.routing_key, p.headers), (q1, {"CC": [q2], "a": 1}), "copy in %s: key kept, BCC removed" % q)
    for header in ("CC", "BCC"):
        c = conn.channel()
        seen = harness.watch_channel_close(c)
        c.basic_publish("", q1, b"x", pika.BasicProperties(headers={header: "not-a-list"}))
        eq(harness.wait_channel_closed(conn, seen),
           (406, 'PRECONDITION_FAILED - invalid message: {unacceptable_type_in_header,"%s",longstr}' % header),
           header + " as a string")


@test()
def test_topic_corner_cases(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    x = ctx.exchange("tp")
    ch.exchange_declare(x, "topic")
    patterns = ["#.#", "a.#.b", "*.#", "#.*", "a.*.#", "#.b", "a.#", "*", "#", "a..b", ".a"]
    queues = {}
    for pt in patterns:
        q = ctx.queue("t")
        ch.queue_declare(q)
        ch.queue_bind(q, x, pt)
        queues[pt] = q
    keys = ["", "a", "b", "a.b", "a.x.b", "a.x.y.b", "a..b", ".a", "a.", "x.b", "a.b.c"]
    for k in keys:
        ch.basic_publish(x, k, k.encode() or b"<empty>")
    settle(conn)
    allk = ["<empty>"] + keys[1:]
    expected = {
        "#.#": allk, "a.#.b": ["a.b", "a.x.b", "a.x.y.b", "a..b"], "*.#": keys[1:], "#.*": keys[1:],
        "a.*.#": ["a.b", "a.x.b", "a.x.y.b", "a..b", "a.", "a.b.c"],
        "#.b": ["b", "a.b", "a.x.b", "a.x.y.b", "a..b", "x.b"],
        "a.#": ["a", "a.b", "a.x.b", "a.x.y.b", "a..b", "a.", "a.b.c"], "*": ["a", "b"], "#": allk,
        "a..b": ["a..b"], ".a": [".a"],
    }
    got = {pt: [b.decode() for b in bodies(get_all(ch, q))] for pt, q in queues.items()}
    for pt in patterns:
        eq(got[pt], expected[pt], "binding %r" % pt)


@test()
def test_headers_exchange_x_arguments(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    x = ctx.exchange("hx")
    ch.exchange_declare(x, "headers")
    qs = [ctx.queue("h") for _ in range(4)]
    for q in qs:
        ch.queue_declare(q)
    ch.queue_bind(qs[0], x, arguments={"x-match": "all", "x-foo": "bar", "k": "v"})
    ch.queue_bind(qs[1], x, arguments={"x-match": "any", "x-foo": "bar"})
    ch.queue_bind(qs[2], x, arguments={"x-match": "all-with-x", "x-foo": "bar"})
    ch.queue_bind(qs[3], x, arguments={"x-match": "any", "n": 1})
    cases = [{"k": "v"}, {"x-foo": "bar"}, {"k": "v", "x-foo": "bar"}, {"n": 1}, {"n": "1"}, {"n": 2}]
    for h in cases:
        ch.basic_publish(x, "", repr(h).encode(), pika.BasicProperties(headers=h))
    settle(conn)
    got = [[b.decode() for b in bodies(get_all(ch, q))] for q in qs]
    eq(got, [["{'k': 'v'}", "{'k': 'v', 'x-foo': 'bar'}"], [], ["{'x-foo': 'bar'}", "{'k': 'v', 'x-foo': 'bar'}"],
             ["{'n': 1}"]], "x- arguments are ignored, except with all-with-x / any-with-x; values compare typed")


@test()
def test_message_ttl_zero(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.queue()
    ch.queue_declare(q, arguments={"x-message-ttl": 0})
    got = []
    ch.basic_qos(prefetch_count=1)
    ch.basic_consume(q, lambda c, m, p, b: got.append(b))
    ch.basic_publish("", q, b"1")  # a waiting consumer gets it at once
    ch.basic_publish("", q, b"2")  # no room: it expires
    settle(conn, 0.5)
    eq(got, [b"1"], "TTL 0 reaches only a consumer with room")
    eq(ch.queue_declare(q, passive=True).method.message_count, 0, "nothing left")


@test()
def test_recover_without_requeue_and_misc(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.queue()
    ch.queue_declare(q)
    ch.basic_publish("", q, b"x")
    got = []
    ch.basic_consume(q, lambda c, m, p, b: got.append(m.delivery_tag))
    wait_for(conn, lambda: got, what="delivery")
    expect_connection_error(lambda: ch.basic_recover(requeue=False), 540, "NOT_IMPLEMENTED - requeue=false")
    # Cancelling a consumer keeps its unacked deliveries, which may still be acked.
    conn = ctx.connect()
    ch = conn.channel()
    got = []
    tag = ch.basic_consume(q, lambda c, m, p, b: got.append(m))
    wait_for(conn, lambda: got, what="redelivery")
    eq(got[0].redelivered, True, "redelivered after the connection closed")
    ch.basic_cancel(tag)
    settle(conn, 0.2)
    eq(ch.queue_declare(q, passive=True).method.message_count, 0, "cancel does not requeue")
    ch.basic_ack(got[0].delivery_tag)
    ch.basic_cancel("no-such-consumer")  # RabbitMQ answers cancel-ok for an unknown tag
    settle(conn, 0.2)
    true(ch.is_open, "the channel is still open")


@test()
def test_server_generated_consumer_tag(ctx):
    s = ctx.raw_socket()
    try:
        r = raw_amqp.RawClient(s)
        r.handshake()
        r.open_channel(1)
        r.send_method(1, 50, 10, struct.pack(">H", 0) + raw_amqp.shortstr("") + b"\x00" + struct.pack(">I", 0))
        args = r.expect_method(50, 11)
        q = args[1:1 + args[0]].decode()
        true(q.startswith("amq.gen-") and len(q) == 30, "server-named queue %r" % q)
        r.send_method(1, 60, 20, struct.pack(">H", 0) + raw_amqp.shortstr(q) + raw_amqp.shortstr("") + b"\x02" +
                      struct.pack(">I", 0))
        args = r.expect_method(60, 21)
        tag = args[1:1 + args[0]].decode()
        true(tag.startswith("amq.ctag-") and len(tag) == 31, "server-generated consumer tag %r" % tag)
    finally:
        s.close()


@test()
def test_priority_queue_with_consumer(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.queue()
    ch.queue_declare(q, arguments={"x-max-priority": 10})
    for pr in (1, 5, 9):
        ch.basic_publish("", q, b"%d" % pr, pika.BasicProperties(priority=pr))
    settle(conn, 0.2)
    got = []
    ch.basic_qos(prefetch_count=1)
    ch.basic_consume(q, lambda c, m, p, b: got.append((b, m.redelivered)))
    wait_for(conn, lambda: got, what="first delivery")
    ch.basic_publish("", q, b"10", pika.BasicProperties(priority=10))
    settle(conn, 0.2)
    ch.basic_nack(1, requeue=True)
    wait_for(conn, lambda: len(got) == 2, what="second delivery")
    eq(got, [(b"9", False), (b"10", False)], "the new highest priority overtakes the requeued one")



@test()
def test_requeue_over_length_limit(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    dlq = ctx.queue("dlq")
    ch.queue_declare(dlq)
    cases = [({"x-max-length": 2, "x-overflow": "reject-publish"}, [b"a", b"b", b"c", b"d"], []),
             ({"x-max-length-bytes": 2}, [b"c", b"d"], []),
             ({"x-max-length": 2, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq}, [b"c", b"d"],
              [(b"a", "maxlen"), (b"b", "maxlen")])]
    for args, kept, dead in cases:
        q = ctx.queue()
        ch.queue_declare(q, arguments=args)
        ch.basic_publish("", q, b"a")
        ch.basic_publish("", q, b"b")
        settle(conn, 0.1)
        ch.basic_get(q)
        ch.basic_get(q)
        ch.basic_publish("", q, b"c")
        ch.basic_publish("", q, b"d")
        settle(conn, 0.1)
        ch.basic_nack(0, multiple=True, requeue=True)  # a and b come back ahead of c and d
        settle(conn, 0.3)
        eq(bodies(get_all(ch, q)), kept, "kept after the requeue with %r" % args)
        eq([(b, p.headers["x-death"][0]["reason"]) for _, p, b in get_all(ch, dlq)], dead, "dead-lettered")


@test()
def test_quorum_delivery_limit(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q, dlq = ctx.queue("qq"), ctx.queue("dlq")
    ch.queue_declare(dlq)
    ch.queue_declare(q, durable=True, arguments={"x-queue-type": "quorum", "x-delivery-limit": 1,
                                                 "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq})
    ch.basic_publish("", q, b"x", pika.BasicProperties(headers={"o": "h"}))
    settle(conn, 0.3)
    ch.basic_qos(prefetch_count=1)
    got = []

    def on_message(c, m, p, b):
        got.append((m.delivery_tag, m.redelivered, p.headers))
        c.basic_nack(m.delivery_tag, requeue=True)
    ch.basic_consume(q, on_message)
    wait_for(conn, lambda: len(got) == 2, what="two deliveries")
    settle(conn, 0.5)
    eq(got, [(1, False, {"o": "h"}), (2, True, {"o": "h", "x-delivery-count": 1})],
       "deliveries: no x-delivery-count at first, then 1")
    m, p, b = ch.basic_get(dlq, auto_ack=True)
    true(m is not None, "dead-lettered after the limit")
    eq(m.routing_key, dlq, "routing key")
    eq({k: v for k, v in p.headers.items() if k != "x-death"},
       {"o": "h", "x-first-death-exchange": "", "x-first-death-queue": q, "x-first-death-reason": "delivery_limit"},
       "headers: x-delivery-count is not dead-lettered")
    eq([(d["reason"], d["count"], d["queue"]) for d in p.headers["x-death"]], [("delivery_limit", 1, q)], "x-death")
    # basic.get on a quorum queue always adds x-delivery-count, from 0.
    q2 = ctx.queue("qg")
    ch.queue_declare(q2, durable=True, arguments={"x-queue-type": "quorum"})
    ch.basic_publish("", q2, b"x")
    settle(conn, 0.3)
    seen = []
    for _ in range(2):
        m, p, b = ch.basic_get(q2)
        seen.append((m.redelivered, p.headers))
        ch.basic_nack(m.delivery_tag, requeue=True)
        settle(conn, 0.2)
    eq(seen, [(False, {"x-delivery-count": 0}), (True, {"x-delivery-count": 1})], "basic.get on a quorum queue")


@test()
def test_stream_offsets(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.queue("st")
    ch.queue_declare(q, durable=True, arguments={"x-queue-type": "stream"})
    for i in range(3):
        ch.basic_publish("", q, b"m%d" % i, pika.BasicProperties(headers={"i": i}))
    settle(conn, 0.5)
    expect_channel_error(lambda: conn.channel().basic_consume(q, lambda *a: None), 406,
                         "PRECONDITION_FAILED - consumer prefetch count is not set for 'queue '%s' in vhost '/''" % q)
    ch.basic_qos(prefetch_count=10)
    got = []
    ch.basic_consume(q, lambda c, m, p, b: got.append((b, m.delivery_tag, p.headers)),
                     arguments={"x-stream-offset": "first"})
    wait_for(conn, lambda: len(got) == 3, what="the stream from the first")
    eq(got, [(b"m%d" % i, i + 1, {"i": i, "x-stream-offset": i}) for i in range(3)], "deliveries with offsets")
    ch2 = conn.channel()
    ch2.basic_qos(prefetch_count=10)
    got2 = []
    ch2.basic_consume(q, lambda c, m, p, b: got2.append(b), arguments={"x-stream-offset": 1})
    wait_for(conn, lambda: len(got2) == 2, what="the stream from offset 1")
    eq(got2, [b"m1", b"m2"], "from offset 1")

if __name__ == "__main__":
    harness.main(globals())
