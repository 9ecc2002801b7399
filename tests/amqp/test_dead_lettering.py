"""Dead-lettering (TTL, reject, nack, max-length) and x-death exactly as pika reads it."""

import datetime
import time

import pika

import harness
from harness import eq, true, test, wait_for

FIRST_DEATH_KEYS = ["count", "reason", "queue", "time", "exchange", "routing-keys"]
SORTED_KEYS = ["count", "exchange", "queue", "reason", "routing-keys", "time"]


def setup_dlx(ctx, ch, src_args=None, dlx_type="fanout", dlq_key=""):
    dlx, dlq, src = ctx.exchange("dlx"), ctx.queue("dlq"), ctx.queue("src")
    ch.exchange_declare(dlx, exchange_type=dlx_type)
    ch.queue_declare(dlq)
    ch.queue_bind(dlq, dlx, dlq_key)
    args = {"x-dead-letter-exchange": dlx}
    args.update(src_args or {})
    ch.queue_declare(src, arguments=args)
    return src, dlx, dlq


def wait_get(ch, conn, queue, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        m, p, b = ch.basic_get(queue, auto_ack=True)
        if m is not None:
            return m, p, b
        if time.monotonic() > deadline:
            raise AssertionError("nothing arrived in %s within %ss" % (queue, timeout))
        harness.pump(conn, 0.05)


def check_time(ctx, value):
    true(isinstance(value, datetime.datetime), "x-death time is a timestamp (datetime), got %r" % (value,))
    now = datetime.datetime.utcnow()
    if ctx.is_brokersim and value.year == 1970:
        ctx.known_difference("x-death 'time' is %s: brokersim serve stamps it from its simulated clock, "
                             "which starts at 0, not from the wall clock (RabbitMQ: the current time)" % value)
    true(abs((now - value).total_seconds()) < 30, "x-death time %s is close to now %s" % (value, now))


@test()
def test_ttl_expiry_x_death(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    src, dlx, dlq = setup_dlx(ctx, ch, {"x-message-ttl": 100})
    props = pika.BasicProperties(headers={"app": "x"}, message_id="mid-1", content_type="text/plain")
    ch.basic_publish("", src, b"expiring", props)
    m, p, b = wait_get(ch, conn, dlq)
    eq(b, b"expiring", "body")
    eq((m.exchange, m.routing_key, m.redelivered), (dlx, src, False), "dead-lettered routing")
    eq((p.message_id, p.content_type, p.expiration), ("mid-1", "text/plain", None), "properties kept")
    h = p.headers
    eq(list(h.keys()), ["app", "x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason"],
       "header keys in wire order")
    eq(h["app"], "x", "own header kept")
    eq(len(h["x-death"]), 1, "one x-death entry")
    d = h["x-death"][0]
    eq(list(d.keys()), FIRST_DEATH_KEYS, "x-death entry keys in wire order")
    eq({k: v for k, v in d.items() if k != "time"},
       {"count": 1, "reason": "expired", "queue": src, "exchange": "", "routing-keys": [src]}, "x-death entry")
    eq(type(d["count"]).__name__, "long", "count's field type (pika decodes AMQP long 'l' as its long)")
    eq((h["x-first-death-exchange"], h["x-first-death-queue"], h["x-first-death-reason"]), ("", src, "expired"),
       "x-first-death-*")
    true("x-last-death-reason" not in h, "no x-last-death-* in 3.10")
    eq(ch.queue_declare(src, passive=True).method.message_count, 0, "source empty")
    check_time(ctx, d["time"])  # last: on brokersim it is a known difference


@test()
def test_per_message_expiration_original_expiration(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    src, dlx, dlq = setup_dlx(ctx, ch, dlx_type="direct", dlq_key="k")
    ch.queue_bind(src, "amq.direct", "k")
    ch.queue_bind(src, "amq.direct", "cc-key")
    props = pika.BasicProperties(expiration="50", headers={"CC": ["cc-key"]})
    ch.basic_publish("amq.direct", "k", b"short-lived", props)
    m, p, b = wait_get(ch, conn, dlq)
    eq((m.exchange, m.routing_key), (dlx, "k"), "routing")
    eq(p.expiration, None, "expiration removed")
    d = p.headers["x-death"][0]
    eq(list(d.keys()), FIRST_DEATH_KEYS + ["original-expiration"], "x-death keys")
    eq(d["original-expiration"], "50", "original-expiration")
    eq(d["routing-keys"], ["k", "cc-key"], "routing-keys include CC")
    eq((d["reason"], d["exchange"], d["queue"], d["count"]), ("expired", "amq.direct", src, 1), "entry")
    eq(p.headers["CC"], ["cc-key"], "CC header kept")
    eq(ch.queue_declare(src, passive=True).method.message_count, 0, "one copy only despite two matching keys")


@test()
def test_ttl_expires_in_order_and_not_for_unacked(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    src, dlx, dlq = setup_dlx(ctx, ch, {"x-message-ttl": 300})
    for i in range(3):
        ch.basic_publish("", src, b"m%d" % i)
    held, p, b = ch.basic_get(src, auto_ack=False)  # an unacked message does not expire
    eq(b, b"m0", "first")
    time.sleep(0.8)
    harness.pump(conn, 0.1)
    got = harness.get_all(ch, dlq)
    eq([b for _, _, b in got], [b"m1", b"m2"], "expired in order")
    ch.basic_nack(held.delivery_tag, requeue=True)
    # Requeued past its TTL: it expires at once.
    m, p, b = wait_get(ch, conn, dlq)
    eq(b, b"m0", "requeued expired message dead-lettered")
    eq(p.headers["x-death"][0]["reason"], "expired", "reason")


@test()
def test_reject_nack_dead_letter_with_routing_key(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    src, dlx, dlq = setup_dlx(ctx, ch, {"x-dead-letter-routing-key": "dead"}, dlx_type="direct", dlq_key="dead")
    for i in range(3):
        ch.basic_publish("", src, b"m%d" % i)
    tags = [ch.basic_get(src)[0].delivery_tag for _ in range(3)]
    ch.basic_reject(tags[0], requeue=False)
    ch.basic_nack(tags[2], multiple=True, requeue=False)  # m1 and m2
    got = []
    deadline = time.monotonic() + 5
    while len(got) < 3 and time.monotonic() < deadline:
        got += harness.get_all(ch, dlq)
        harness.pump(conn, 0.05)
    eq([b for _, _, b in got], [b"m0", b"m1", b"m2"], "dead-lettered in order")
    for m, p, b in got:
        eq((m.exchange, m.routing_key), (dlx, "dead"), "x-dead-letter-routing-key replaces the key")
        d = p.headers["x-death"][0]
        eq({k: v for k, v in d.items() if k != "time"},
           {"count": 1, "reason": "rejected", "queue": src, "exchange": "", "routing-keys": [src]},
           "x-death keeps the original routing keys")
        eq(p.headers["x-first-death-reason"], "rejected", "first death reason")
    # requeue=True does not dead-letter.
    ch.basic_publish("", src, b"again")
    m, p, b = ch.basic_get(src)
    ch.basic_reject(m.delivery_tag, requeue=True)
    m, p, b = ch.basic_get(src)
    eq((b, m.redelivered), (b"again", True), "requeued with redelivered")
    ch.basic_ack(m.delivery_tag)


@test()
def test_max_length_drop_head_dead_letters(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    src, dlx, dlq = setup_dlx(ctx, ch, {"x-max-length": 2})
    for i in range(4):
        ch.basic_publish("", src, b"m%d" % i)
    harness.pump(conn, 0.2)
    eq([b for _, _, b in harness.get_all(ch, src)], [b"m2", b"m3"], "queue keeps the newest")
    got = harness.get_all(ch, dlq)
    eq([b for _, _, b in got], [b"m0", b"m1"], "dropped heads dead-lettered")
    d = got[0][1].headers["x-death"][0]
    eq((d["reason"], d["queue"], d["count"]), ("maxlen", src, 1), "maxlen entry")


@test()
def test_x_death_count_grows_and_entries_sort(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    src, dlx, dlq = setup_dlx(ctx, ch)
    ch.basic_publish("", src, b"m", pika.BasicProperties(headers={"app": "x"}))
    m, p, b = ch.basic_get(src)
    ch.basic_reject(m.delivery_tag, requeue=False)
    m, p, b = wait_get(ch, conn, dlq)
    first_time = p.headers["x-death"][0]["time"]
    # Second death, same queue and reason: the one entry counts 2 and keeps its time.
    time.sleep(1.1)
    ch.basic_publish("", src, b, pika.BasicProperties(headers=p.headers))
    m, p, b = ch.basic_get(src)
    ch.basic_reject(m.delivery_tag, requeue=False)
    m, p, b = wait_get(ch, conn, dlq)
    deaths = p.headers["x-death"]
    eq(len(deaths), 1, "still one entry")
    eq(deaths[0]["count"], 2, "count")
    eq(deaths[0]["time"], first_time, "time not updated")
    eq(list(deaths[0].keys()), SORTED_KEYS, "an updated entry has sorted keys")
    # A death in another queue adds an entry at the front.
    src2 = ctx.queue("src2")
    ch.queue_declare(src2, arguments={"x-dead-letter-exchange": dlx})
    ch.basic_publish("", src2, b, pika.BasicProperties(headers=p.headers))
    m, p, b = ch.basic_get(src2)
    ch.basic_nack(m.delivery_tag, requeue=False)
    m, p, b = wait_get(ch, conn, dlq)
    deaths = p.headers["x-death"]
    eq([(d["queue"], d["reason"], d["count"]) for d in deaths], [(src2, "rejected", 1), (src, "rejected", 2)],
       "entries, newest first")
    eq(list(deaths[0].keys()), SORTED_KEYS, "new entry keys")
    eq((p.headers["x-first-death-queue"], p.headers["x-first-death-reason"]), (src, "rejected"), "first death kept")


@test()
def test_dead_letter_cycle_is_dropped(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    a, b_ = ctx.queue("A"), ctx.queue("B")
    ch.queue_declare(a, arguments={"x-message-ttl": 100, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": b_})
    ch.queue_declare(b_, arguments={"x-message-ttl": 100, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": a})
    ch.basic_publish("", a, b"loop")
    time.sleep(1.0)
    harness.pump(conn, 0.1)
    eq((ch.queue_declare(a, passive=True).method.message_count, ch.queue_declare(b_, passive=True).method.message_count),
       (0, 0), "an expiry-only cycle drops the message")


if __name__ == "__main__":
    harness.main(globals())
