"""basic.get, requeue semantics, exchange types and bindings, limits, priorities, cancel notify."""

import datetime
import decimal
import time

import pika

import harness
from harness import eq, true, test, wait_for, drain, expect_channel_error, expect_connection_error, get_all


def bodies(msgs):
    return [b for _, _, b in msgs]


@test()
def test_basic_get(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.queue()
    ch.queue_declare(q)
    m, p, b = ch.basic_get(q)
    eq((m, p, b), (None, None, None), "get-empty")
    props = pika.BasicProperties(content_type="application/json", content_encoding="utf-8",
                                 headers={"s": "v", "i": 7, "d": decimal.Decimal("1.5"), "ts": datetime.datetime(2024, 1, 2, 3, 4, 5), "b": True, "n": None, "l": [1, "two"],
                                          "t": {"nested": "yes"}},
                                 delivery_mode=2, priority=3, correlation_id="c", reply_to="r", expiration="60000",
                                 message_id="id", timestamp=1700000000, type="t", user_id="guest", app_id="a",
                                 cluster_id="cl")
    ch.basic_publish("", q, b"one", props)
    ch.basic_publish("", q, b"two")
    ch.basic_publish("", q, b"")
    m, p, b = ch.basic_get(q)
    eq((m.delivery_tag, m.redelivered, m.exchange, m.routing_key, m.message_count), (1, False, "", q, 2), "get-ok")
    eq(b, b"one", "body")
    for field in ("content_type", "content_encoding", "delivery_mode", "priority", "correlation_id", "reply_to",
                  "expiration", "message_id", "timestamp", "type", "user_id", "app_id", "cluster_id"):
        eq(getattr(p, field), getattr(props, field), "property " + field)
    eq(p.headers, {"s": "v", "i": 7, "d": decimal.Decimal("1.5"), "ts": datetime.datetime(2024, 1, 2, 3, 4, 5), "b": True, "n": None, "l": [1, "two"], "t": {"nested": "yes"}},
       "headers")
    m, p, b = ch.basic_get(q, auto_ack=True)
    eq((m.delivery_tag, m.message_count, b), (2, 1, b"two"), "second get")
    m, p, b = ch.basic_get(q, auto_ack=True)
    eq((m.delivery_tag, m.message_count, b), (3, 0, b""), "empty body")
    ch.basic_ack(1)
    eq(ch.queue_purge(q).method.message_count, 0, "purge-ok of an empty queue")
    for i in range(4):
        ch.basic_publish("", q, b"p")
    harness.pump(conn, 0.1)
    eq(ch.queue_purge(q).method.message_count, 4, "purge-ok count")
    eq(ch.queue_delete(q).method.message_count, 0, "delete-ok count")


@test()
def test_user_id_must_match(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    seen = harness.watch_channel_close(ch)
    ch.basic_publish("", "whatever", b"x", pika.BasicProperties(user_id="someone-else"))
    eq(harness.wait_channel_closed(conn, seen),
       (406, "PRECONDITION_FAILED - user_id property set to 'someone-else' but authenticated user was 'guest'"),
       "user_id mismatch")
    # The channel is closed on the broker too: its number can be opened again.
    again = conn.channel(channel_number=ch.channel_number)
    again.basic_publish("", "whatever", b"x", pika.BasicProperties(user_id="guest"))
    true(again.is_open, "the channel reopened after the error")


@test()
def test_reject_nack_requeue_positions(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.queue()
    ch.queue_declare(q)
    for i in range(5):
        ch.basic_publish("", q, b"m%d" % i)
    t = [ch.basic_get(q)[0].delivery_tag for _ in range(3)]  # m0 m1 m2 unacked
    ch.basic_nack(t[1], multiple=False, requeue=True)           # m1 back
    ch.basic_reject(t[0], requeue=True)                          # m0 back
    got = get_all(ch, q, auto_ack=False)
    eq([(b, m.redelivered) for m, _, b in got], [(b"m0", True), (b"m1", True), (b"m3", False), (b"m4", False)],
       "requeued messages go back to their original positions")
    eq([m.delivery_tag for m, _, _ in got], [4, 5, 6, 7], "new delivery tags")
    # nack multiple with requeue puts everything outstanding back in order.
    ch.basic_nack(0, multiple=True, requeue=True)
    got = get_all(ch, q, auto_ack=True)
    eq(bodies(got), [b"m0", b"m1", b"m2", b"m3", b"m4"], "all back in order")
    eq([m.redelivered for m, _, _ in got], [True] * 5, "all redelivered")


@test()
def test_channel_close_requeues_to_other_consumer(ctx):
    conn = ctx.connect()
    q = ctx.queue()
    ch1 = conn.channel()
    ch1.queue_declare(q)
    for i in range(3):
        ch1.basic_publish("", q, b"m%d" % i)
    got1, _ = drain(conn, ch1, q, 3)
    eq([m.redelivered for m, _, _ in got1], [False] * 3, "first delivery")
    ch2 = conn.channel()
    got2 = []
    ch2.basic_consume(q, lambda c, m, p, b: got2.append((m, p, b)), auto_ack=True)
    harness.pump(conn, 0.2)
    eq(got2, [], "nothing for the second consumer yet")
    ch1.close()
    wait_for(conn, lambda: len(got2) == 3, what="requeued deliveries")
    eq([(b, m.redelivered) for m, _, b in got2], [(b"m0", True), (b"m1", True), (b"m2", True)], "redelivered")


@test()
def test_basic_recover_requeue(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.queue()
    ch.queue_declare(q)
    for i in range(2):
        ch.basic_publish("", q, b"m%d" % i)
    got, tag = drain(conn, ch, q, 2)
    ch.basic_recover(requeue=True)
    wait_for(conn, lambda: len(got) == 4, what="redeliveries after basic.recover")
    eq([(b, m.redelivered, m.delivery_tag) for m, _, b in got],
       [(b"m0", False, 1), (b"m1", False, 2), (b"m0", True, 3), (b"m1", True, 4)], "recover redelivers")
    ch.basic_ack(4, multiple=True)


@test()
def test_exchange_to_exchange_bindings(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    src, mid, fan = ctx.exchange("src"), ctx.exchange("mid"), ctx.exchange("fan")
    ch.exchange_declare(src, exchange_type="topic")
    ch.exchange_declare(mid, exchange_type="direct")
    ch.exchange_declare(fan, exchange_type="fanout")
    qa, qb = ctx.queue("a"), ctx.queue("b")
    ch.queue_declare(qa)
    ch.queue_declare(qb)
    ch.exchange_bind(destination=mid, source=src, routing_key="orders.#")
    ch.exchange_bind(destination=fan, source=mid, routing_key="orders.eu")
    ch.exchange_bind(destination=src, source=fan)  # a cycle back to the source
    ch.queue_bind(qa, mid, "orders.eu")
    ch.queue_bind(qa, fan)  # qa is reached twice, it still gets one copy
    ch.queue_bind(qb, fan)
    for k in ("orders.eu", "orders.us", "other"):
        ch.basic_publish(src, k, k.encode())
    harness.pump(conn, 0.2)
    eq([(b, m.exchange, m.routing_key) for m, _, b in get_all(ch, qa)], [(b"orders.eu", src, "orders.eu")],
       "one copy via two paths and a cycle")
    eq(bodies(get_all(ch, qb)), [b"orders.eu"], "through three exchanges")
    ch.exchange_unbind(destination=fan, source=mid, routing_key="orders.eu")
    ch.basic_publish(src, "orders.eu", b"again")
    harness.pump(conn, 0.2)
    eq(bodies(get_all(ch, qb)), [], "after exchange.unbind")
    eq(bodies(get_all(ch, qa)), [b"again"], "the direct path remains")
    expect_channel_error(lambda: conn.channel().exchange_bind(destination=mid, source=ctx.name("nosrc")), 404,
                         None)


@test()
def test_headers_exchange(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    x = ctx.exchange("hdr")
    ch.exchange_declare(x, exchange_type="headers")
    q_all, q_any, q_none, q_void = ctx.queue("all"), ctx.queue("any"), ctx.queue("none"), ctx.queue("void")
    for q in (q_all, q_any, q_none, q_void):
        ch.queue_declare(q)
    ch.queue_bind(q_all, x, arguments={"x-match": "all", "format": "pdf", "type": "report"})
    ch.queue_bind(q_any, x, arguments={"x-match": "any", "format": "pdf", "type": "log"})
    ch.queue_bind(q_none, x, arguments={})  # no header arguments: matches everything
    ch.queue_bind(q_void, x, arguments={"x-match": "all", "flag": None})
    cases = [
        ("pdf-report", {"format": "pdf", "type": "report"}),
        ("pdf-log", {"format": "pdf", "type": "log", "extra": 1}),
        ("zip-log", {"format": "zip", "type": "log"}),
        ("zip-report", {"format": "zip", "type": "report"}),
        ("none", None),
        ("int-vs-str", {"format": "pdf", "type": 5}),
        ("flag", {"flag": None}),
        ("flag-value", {"flag": "set"}),
    ]
    for name, headers in cases:
        ch.basic_publish(x, "ignored", name.encode(), pika.BasicProperties(headers=headers))
    harness.pump(conn, 0.2)
    eq(bodies(get_all(ch, q_all)), [b"pdf-report"], "x-match all")
    eq(bodies(get_all(ch, q_any)), [b"pdf-report", b"pdf-log", b"zip-log", b"int-vs-str"], "x-match any")
    eq(len(get_all(ch, q_none)), len(cases), "empty binding")
    eq(bodies(get_all(ch, q_void)), [b"flag", b"flag-value"], "a void binding value matches on presence")
    expect_channel_error(lambda: conn.channel().queue_bind(q_all, x, arguments={"x-match": "bogus"}), 406,
                         "PRECONDITION_FAILED - Invalid x-match field value <<\"bogus\">>; expected all, any, "
                         "all-with-x, or any-with-x")


@test()
def test_alternate_exchange(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    ae, main = ctx.exchange("ae"), ctx.exchange("main")
    ch.exchange_declare(ae, exchange_type="fanout")
    ch.exchange_declare(main, exchange_type="direct", arguments={"alternate-exchange": ae})
    q_main, q_ae = ctx.queue("main"), ctx.queue("unrouted")
    ch.queue_declare(q_main)
    ch.queue_declare(q_ae)
    ch.queue_bind(q_main, main, "good")
    ch.queue_bind(q_ae, ae)
    returned = []
    ch.add_on_return_callback(lambda c, m, p, b: returned.append(b))
    ch.basic_publish(main, "good", b"routed", mandatory=True)
    ch.basic_publish(main, "bad", b"to-ae", mandatory=True)
    harness.pump(conn, 0.3)
    eq(returned, [], "no return when the alternate exchange routes it")
    eq(bodies(get_all(ch, q_main)), [b"routed"], "main queue")
    got = get_all(ch, q_ae)
    eq([(b, m.exchange, m.routing_key) for m, _, b in got], [(b"to-ae", main, "bad")], "alternate exchange queue")
    # An alternate exchange that does not exist: unroutable, so mandatory returns it.
    x2 = ctx.exchange("x2")
    ch.exchange_declare(x2, exchange_type="direct", arguments={"alternate-exchange": ctx.name("missing-ae")})
    ch.basic_publish(x2, "k", b"lost", mandatory=True)
    wait_for(conn, lambda: returned, what="return")
    eq(returned, [b"lost"], "returned")


@test()
def test_length_limit_overflow(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    dlx, dlq = ctx.exchange("dlx"), ctx.queue("dlq")
    ch.exchange_declare(dlx, exchange_type="fanout")
    ch.queue_declare(dlq)
    ch.queue_bind(dlq, dlx)
    q_rp, q_rpd, q_bytes = ctx.queue("rp"), ctx.queue("rpd"), ctx.queue("bytes")
    ch.queue_declare(q_rp, arguments={"x-max-length": 2, "x-overflow": "reject-publish"})
    ch.queue_declare(q_rpd, arguments={"x-max-length": 2, "x-overflow": "reject-publish-dlx",
                                       "x-dead-letter-exchange": dlx})
    ch.queue_declare(q_bytes, arguments={"x-max-length-bytes": 12})
    for i in range(3):
        ch.basic_publish("", q_rp, b"m%d" % i)
        ch.basic_publish("", q_rpd, b"m%d" % i)
        ch.basic_publish("", q_bytes, b"body-%d" % i)
    harness.pump(conn, 0.3)
    eq(bodies(get_all(ch, q_rp)), [b"m0", b"m1"], "reject-publish keeps the first")
    eq(bodies(get_all(ch, q_rpd)), [b"m0", b"m1"], "reject-publish-dlx keeps the first")
    got = get_all(ch, dlq)
    eq(bodies(got), [b"m2"], "reject-publish-dlx dead-letters the refused one")
    eq(got[0][1].headers["x-death"][0]["reason"], "maxlen", "reason")
    eq(bodies(get_all(ch, q_bytes)), [b"body-1", b"body-2"], "x-max-length-bytes counts body bytes")
    # Reaching the limit again after a get frees one place.
    ch.basic_publish("", q_rp, b"a")
    ch.basic_publish("", q_rp, b"b")
    ch.basic_publish("", q_rp, b"c")
    harness.pump(conn, 0.2)
    eq(ch.queue_declare(q_rp, passive=True).method.message_count, 2, "depth")


@test()
def test_priorities(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.queue("prio")
    ch.queue_declare(q, arguments={"x-max-priority": 5})
    order = [("none", None), ("p3", 3), ("p9", 9), ("p5", 5), ("p0", 0), ("p4", 4), ("p5b", 5), ("p9b", 9),
             ("none2", None), ("p1", 1)]
    for name, prio in order:
        ch.basic_publish("", q, name.encode(), pika.BasicProperties(priority=prio))
    harness.pump(conn, 0.2)
    got = get_all(ch, q, auto_ack=False)
    eq([b.decode() for b in bodies(got)], ["p9", "p5", "p5b", "p9b", "p4", "p3", "p1", "none", "p0", "none2"],
       "priority order: above max counts as max, none as 0, FIFO within a level")
    eq(got[0][1].priority, 9, "priority property unchanged")
    eq(got[7][1].priority, None, "missing priority stays missing")
    # Requeued messages go back to their level, in original order.
    ch.basic_nack(0, multiple=True, requeue=True)
    got = get_all(ch, q, auto_ack=True)
    eq([b.decode() for b in bodies(got)], ["p9", "p5", "p5b", "p9b", "p4", "p3", "p1", "none", "p0", "none2"],
       "after requeue")


@test()
def test_consumer_cancel_notify_on_queue_delete(ctx):
    conn = ctx.connect(client_properties={"capabilities": {"consumer_cancel_notify": True}})
    ch = conn.channel()
    q = ctx.queue()
    ch.queue_declare(q)
    cancelled = []
    ch.add_on_cancel_callback(lambda frame: cancelled.append(frame.method.consumer_tag))
    tag = ch.basic_consume(q, lambda *a: None)
    other = ctx.channel()
    eq(other.queue_delete(q).method.message_count, 0, "delete-ok")
    wait_for(conn, lambda: cancelled, what="basic.cancel from the broker")
    eq(cancelled, [tag], "the broker cancels the consumer")
    # The channel stays open.
    ch.queue_declare(ctx.queue(), auto_delete=True)


@test()
def test_consumer_errors(ctx):
    conn = ctx.connect()
    q = ctx.queue()
    ch = conn.channel()
    ch.queue_declare(q)
    ch.basic_consume(q, lambda *a: None, exclusive=True)
    expect_channel_error(lambda: conn.channel().basic_consume(q, lambda *a: None), 403,
                         "ACCESS_REFUSED - queue '%s' in vhost '/' in exclusive use" % q)
    q2 = ctx.queue()
    ch2 = conn.channel()
    ch2.queue_declare(q2)
    ch2.basic_consume(q2, lambda *a: None)
    expect_channel_error(lambda: conn.channel().basic_consume(q2, lambda *a: None, exclusive=True), 403,
                         "ACCESS_REFUSED - queue '%s' in vhost '/' in exclusive use" % q2)


@test()
def test_auto_delete_queue_goes_with_last_consumer(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.queue()
    ch.queue_declare(q, auto_delete=True)
    t1 = ch.basic_consume(q, lambda *a: None)
    t2 = ch.basic_consume(q, lambda *a: None)
    ch.basic_cancel(t1)
    eq(ch.queue_declare(q, passive=True).method.consumer_count, 1, "still one consumer")
    ch.basic_cancel(t2)
    expect_channel_error(lambda: ch.queue_declare(q, passive=True), 404,
                         "NOT_FOUND - no queue '%s' in vhost '/'" % q)


if __name__ == "__main__":
    harness.main(globals())
