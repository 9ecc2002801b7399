"""The six RabbitMQ tutorials, with pika, checking exactly what a client observes."""

import time

import pika

import harness
from harness import eq, true, test, wait_for, drain, expect_channel_error


@test()
def test_hello_world(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.queue("hello")
    ok = ch.queue_declare(q)
    eq(ok.method.queue, q, "declare-ok queue")
    eq((ok.method.message_count, ok.method.consumer_count), (0, 0), "declare-ok counts")
    ch.basic_publish("", q, b"Hello World!")
    got, tag = drain(conn, ch, q, 1, auto_ack=True)
    m, p, b = got[0]
    eq(b, b"Hello World!", "body")
    eq((m.exchange, m.routing_key, m.delivery_tag, m.redelivered, m.consumer_tag), ("", q, 1, False, tag), "deliver")
    ch.basic_cancel(tag)
    eq(ch.queue_declare(q, passive=True).method.message_count, 0, "queue empty after auto-ack")


@test()
def test_work_queues_fair_dispatch(ctx):
    # Two workers with prefetch 1 and manual acks: a busy worker gets nothing more until it acks.
    conn = ctx.connect()
    q = ctx.queue("task")
    setup = conn.channel()
    setup.queue_declare(q, durable=True)
    w1, w2 = conn.channel(), conn.channel()
    got1, got2 = [], []
    for w, got in ((w1, got1), (w2, got2)):
        w.basic_qos(prefetch_count=1)
        w.basic_consume(q, lambda c, m, p, b, got=got: got.append((m, p, b)))
    props = pika.BasicProperties(delivery_mode=pika.spec.PERSISTENT_DELIVERY_MODE)
    for i in range(6):
        setup.basic_publish("", q, b"task %d" % i, props)
    wait_for(conn, lambda: len(got1) + len(got2) == 2, what="one task per worker")
    harness.pump(conn, 0.3)
    eq(len(got1) + len(got2), 2, "in-flight deliveries with prefetch 1 on two workers")
    eq(sorted([got1[0][2], got2[0][2]]), [b"task 0", b"task 1"], "first two tasks")
    eq(got1[0][1].delivery_mode, 2, "persistent delivery mode kept")
    eq(setup.queue_declare(q, passive=True).method.message_count, 4, "ready tasks")
    # Worker 1 acks; it gets the next task, worker 2 still holds its one.
    w1.basic_ack(got1[0][0].delivery_tag)
    wait_for(conn, lambda: len(got1) == 2, what="worker 1's second task")
    eq(got1[1][2], b"task 2", "next task goes to the worker that acked")
    eq(got1[1][0].delivery_tag, 2, "delivery tags count per channel")
    harness.pump(conn, 0.2)
    eq(len(got2), 1, "worker 2 still has one task in flight")
    # Drain the rest with both acking.
    done = []

    def pump():
        for w, got in ((w1, got1), (w2, got2)):
            while len(got) > 0 and got[-1] not in done:
                done.append(got[-1])
                w.basic_ack(got[-1][0].delivery_tag)
    deadline = time.monotonic() + 5
    while len(got1) + len(got2) < 6 and time.monotonic() < deadline:
        pump()
        harness.pump(conn, 0.05)
    pump()
    eq(sorted(b for _, _, b in got1 + got2), [b"task %d" % i for i in range(6)], "all tasks done once")
    harness.pump(conn, 0.2)
    ok = setup.queue_declare(q, passive=True).method
    eq((ok.message_count, ok.consumer_count), (0, 2), "queue drained, 2 consumers")


@test()
def test_prefetch_limits_in_flight(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.queue()
    ch.queue_declare(q)
    for i in range(10):
        ch.basic_publish("", q, b"m%d" % i)
    ch.basic_qos(prefetch_count=3)
    got = []
    ch.basic_consume(q, lambda c, m, p, b: got.append((m, b)))
    wait_for(conn, lambda: len(got) == 3, what="3 deliveries")
    harness.pump(conn, 0.5)
    eq([b for _, b in got], [b"m0", b"m1", b"m2"], "exactly prefetch_count deliveries in flight")
    # Acking tag 2 with multiple releases two slots.
    ch.basic_ack(2, multiple=True)
    wait_for(conn, lambda: len(got) == 5, what="2 more deliveries")
    harness.pump(conn, 0.3)
    eq([b for _, b in got], [b"m%d" % i for i in range(5)], "deliveries after ack multiple")
    eq([m.delivery_tag for m, _ in got], [1, 2, 3, 4, 5], "delivery tags")
    # basic.qos (global=false) only applies to consumers created after it: no more in flight.
    ch.basic_qos(prefetch_count=6)
    harness.pump(conn, 0.5)
    eq(len(got), 5, "in flight after raising prefetch for an existing consumer")
    ch.basic_ack(5, multiple=True)
    wait_for(conn, lambda: len(got) == 8, what="3 more deliveries")
    harness.pump(conn, 0.3)
    eq(len(got), 8, "still prefetch 3")
    ch.basic_ack(0, multiple=True)  # tag 0 + multiple = all outstanding
    wait_for(conn, lambda: len(got) == 10, what="the rest")
    eq([b for _, b in got], [b"m%d" % i for i in range(10)], "all in order")
    ch.basic_ack(0, multiple=True)
    harness.pump(conn, 0.2)
    eq(ch.queue_declare(q, passive=True).method.message_count, 0, "all acked")


@test()
def test_publish_subscribe_fanout_exclusive_server_named(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    x = ctx.exchange("logs")
    ch.exchange_declare(x, exchange_type="fanout")
    queues = []
    for _ in range(2):
        ok = ch.queue_declare("", exclusive=True)
        name = ok.method.queue
        true(name.startswith("amq.gen-"), "server-named queue %r starts with amq.gen-" % name)
        eq(len(name), len("amq.gen-") + 22, "server-named queue length")
        ch.queue_bind(name, x)
        queues.append(name)
    true(queues[0] != queues[1], "distinct names")
    for i in range(3):
        ch.basic_publish(x, "ignored.key", b"log %d" % i)
    for name in queues:
        got, tag = drain(conn, ch, name, 3, auto_ack=True)
        eq([b for _, _, b in got], [b"log 0", b"log 1", b"log 2"], "fanout copy order")
        eq({m.routing_key for m, _, _ in got}, {"ignored.key"}, "routing key kept")
        eq({m.exchange for m, _, _ in got}, {x}, "exchange")
    # Exclusive queues go with their connection.
    conn.close()
    other = ctx.channel()
    expect_channel_error(lambda: other.queue_declare(queues[0], passive=True), 404,
                         "NOT_FOUND - no queue '%s' in vhost '/'" % queues[0])


@test()
def test_routing_direct(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    x = ctx.exchange("direct_logs")
    ch.exchange_declare(x, exchange_type="direct")
    q_err, q_all = ctx.queue("err"), ctx.queue("all")
    ch.queue_declare(q_err)
    ch.queue_declare(q_all)
    ch.queue_bind(q_err, x, "error")
    for sev in ("info", "warning", "error"):
        ch.queue_bind(q_all, x, sev)
    ch.queue_bind(q_all, x, "error")  # a duplicate binding changes nothing
    for sev in ("info", "error", "debug", "warning", "error"):
        ch.basic_publish(x, sev, sev.encode())
    eq([b for _, _, b in harness.get_all(ch, q_err)], [b"error", b"error"], "error queue")
    got = harness.get_all(ch, q_all)
    eq([b for _, _, b in got], [b"info", b"error", b"warning", b"error"], "all-severities queue")
    eq(got[0][0].message_count, 3, "basic.get-ok message_count counts the rest")


@test()
def test_topics(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    x = ctx.exchange("topic_logs")
    ch.exchange_declare(x, exchange_type="topic")
    q1, q2, q_hash, q_empty = ctx.queue("Q1"), ctx.queue("Q2"), ctx.queue("hash"), ctx.queue("empty")
    for q in (q1, q2, q_hash, q_empty):
        ch.queue_declare(q)
    ch.queue_bind(q1, x, "*.orange.*")
    ch.queue_bind(q2, x, "*.*.rabbit")
    ch.queue_bind(q2, x, "lazy.#")
    ch.queue_bind(q_hash, x, "#")
    ch.queue_bind(q_empty, x, "")
    keys = ["quick.orange.rabbit", "lazy.orange.elephant", "quick.orange.fox", "lazy.brown.fox",
            "lazy.pink.rabbit", "quick.brown.fox", "orange", "quick.orange.male.rabbit",
            "lazy.orange.male.rabbit", "lazy", "", "a..b", "lazy."]
    for k in keys:
        ch.basic_publish(x, k, k.encode())
    body = lambda q: [b.decode() for _, _, b in harness.get_all(ch, q)]
    eq(body(q1), ["quick.orange.rabbit", "lazy.orange.elephant", "quick.orange.fox"], "Q1 (*.orange.*)")
    eq(body(q2), ["quick.orange.rabbit", "lazy.orange.elephant", "lazy.brown.fox", "lazy.pink.rabbit",
                  "lazy.orange.male.rabbit", "lazy", "lazy."], "Q2 (*.*.rabbit, lazy.#), one copy each")
    eq(body(q_hash), keys, "# matches everything, the empty key included")
    eq(body(q_empty), [""], "an empty binding key matches only the empty routing key")


def _rpc_server_step(ch, queue):
    m, p, b = ch.basic_get(queue, auto_ack=False)
    if m is None:
        return False
    n = int(b)
    result = str(n * n).encode()
    ch.basic_publish("", p.reply_to, result, pika.BasicProperties(correlation_id=p.correlation_id))
    ch.basic_ack(m.delivery_tag)
    return True


@test()
def test_rpc_exclusive_reply_queue(ctx):
    server_conn = ctx.connect()
    sch = server_conn.channel()
    rpc_q = ctx.queue("rpc")
    sch.queue_declare(rpc_q)
    sch.basic_qos(prefetch_count=1)
    served = []

    def on_request(c, m, p, b):
        served.append(p.reply_to)
        c.basic_publish("", p.reply_to, str(int(b) * 2).encode(),
                        pika.BasicProperties(correlation_id=p.correlation_id))
        c.basic_ack(m.delivery_tag)
    sch.basic_consume(rpc_q, on_request)

    client_conn = ctx.connect()
    cch = client_conn.channel()
    reply_q = cch.queue_declare("", exclusive=True).method.queue
    replies = {}
    cch.basic_consume(reply_q, lambda c, m, p, b: replies.__setitem__(p.correlation_id, (m, b)), auto_ack=True)
    ids = []
    for n in range(5):
        cid = "corr-%d" % n
        ids.append(cid)
        cch.basic_publish("", rpc_q, str(n).encode(), pika.BasicProperties(reply_to=reply_q, correlation_id=cid))
    deadline = time.monotonic() + 5
    while len(replies) < 5 and time.monotonic() < deadline:
        harness.pump(server_conn, 0.02)
        harness.pump(client_conn, 0.02)
    eq({cid: b for cid, (m, b) in replies.items()}, {"corr-%d" % n: str(2 * n).encode() for n in range(5)},
       "replies by correlation id")
    eq(set(served), {reply_q}, "reply_to seen by the server")
    m = replies["corr-0"][0]
    eq((m.exchange, m.routing_key), ("", reply_q), "reply routing")
    # Another connection cannot consume the exclusive reply queue.
    intruder = ctx.channel()
    expect_channel_error(lambda: intruder.basic_consume(reply_q, lambda *a: None), 405,
                         "RESOURCE_LOCKED - cannot obtain exclusive access to locked queue '%s' in vhost '/'. "
                         "It could be originally declared on another connection or the exclusive property "
                         "value does not match that of the original declaration." % reply_q)


@test()
def test_rpc_direct_reply_to(ctx):
    server_conn = ctx.connect()
    sch = server_conn.channel()
    rpc_q = ctx.queue("rpc")
    sch.queue_declare(rpc_q)
    seen_reply_to = []

    def on_request(c, m, p, b):
        seen_reply_to.append(p.reply_to)
        c.basic_publish("", p.reply_to, b"fib:" + b, pika.BasicProperties(correlation_id=p.correlation_id))
        c.basic_ack(m.delivery_tag)
    sch.basic_consume(rpc_q, on_request)

    client_conn = ctx.connect()
    cch = client_conn.channel()
    replies = []
    tag = cch.basic_consume("amq.rabbitmq.reply-to", lambda c, m, p, b: replies.append((m, p, b)), auto_ack=True)
    for n in range(3):
        cch.basic_publish("", rpc_q, str(n).encode(),
                          pika.BasicProperties(reply_to="amq.rabbitmq.reply-to", correlation_id="c%d" % n))
    deadline = time.monotonic() + 5
    while len(replies) < 3 and time.monotonic() < deadline:
        harness.pump(server_conn, 0.02)
        harness.pump(client_conn, 0.02)
    eq([b for _, _, b in replies], [b"fib:0", b"fib:1", b"fib:2"], "replies in order")
    eq([p.correlation_id for _, p, _ in replies], ["c0", "c1", "c2"], "correlation ids kept")
    name = seen_reply_to[0]
    true(name.startswith("amq.rabbitmq.reply-to.") and len(name) > len("amq.rabbitmq.reply-to.") + 10,
         "the server sees a generated reply-to name, got %r" % name)
    eq(len(set(seen_reply_to)), 1, "the same reply-to name for the whole channel")
    m = replies[0][0]
    eq((m.exchange, m.routing_key, m.consumer_tag, m.delivery_tag, m.redelivered), ("", name, tag, 1, False),
       "reply delivery")
    # A passive declare of the pseudo-queue works, even on a connection not consuming it.
    other = ctx.channel()
    ok = other.queue_declare("amq.rabbitmq.reply-to", passive=True).method
    eq((ok.queue, ok.message_count, ok.consumer_count), ("amq.rabbitmq.reply-to", 0, 1), "pseudo-queue declare-ok")
    # A reply to a bogus name is unroutable: mandatory returns it with 312.
    returned = []
    sch.add_on_return_callback(lambda c, m, p, b: returned.append((m.reply_code, m.reply_text, m.routing_key)))
    sch.basic_publish("", name + "x", b"lost", mandatory=True)
    wait_for(server_conn, lambda: returned, what="basic.return")
    eq(returned, [(312, "NO_ROUTE", name + "x")], "return for a bad reply-to name")


@test()
def test_direct_reply_to_errors(ctx):
    ch = ctx.channel()
    expect_channel_error(lambda: ch.basic_consume("amq.rabbitmq.reply-to", lambda *a: None, auto_ack=False), 406,
                         "PRECONDITION_FAILED - reply consumer cannot acknowledge")
    ch = ctx.channel()
    ch.basic_consume("amq.rabbitmq.reply-to", lambda *a: None, auto_ack=True)
    expect_channel_error(lambda: ch.basic_consume("amq.rabbitmq.reply-to", lambda *a: None, auto_ack=True), 406,
                         "PRECONDITION_FAILED - reply consumer already set")
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.queue()
    ch.queue_declare(q)
    seen = harness.watch_channel_close(ch)
    ch.basic_publish("", q, b"x", pika.BasicProperties(reply_to="amq.rabbitmq.reply-to"))
    code, text = harness.wait_channel_closed(conn, seen)
    eq((code, text), (406, "PRECONDITION_FAILED - fast reply consumer does not exist"), "publish without consumer")
    ch = conn.channel()
    eq(ch.queue_declare(q, passive=True).method.message_count, 0, "the message was not enqueued")
    expect_channel_error(lambda: ch.basic_get("amq.rabbitmq.reply-to"), 404,
                         "NOT_FOUND - no queue 'amq.rabbitmq.reply-to' in vhost '/'")


if __name__ == "__main__":
    harness.main(globals())
