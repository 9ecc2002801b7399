"""Publisher confirms, mandatory returns, and the channel and connection errors a client sees."""

import decimal
import time

import pika
import pika.exceptions

import harness
from harness import eq, true, test, wait_for, expect_channel_error, expect_connection_error


def raw_confirm_channel(ctx, conn):
    """A non-blocking pika channel in confirm mode, recording returns, acks and nacks in wire order."""
    opened = []
    conn._impl.channel(on_open_callback=opened.append)
    wait_for(conn, lambda: opened, what="channel.open-ok")
    ch = opened[0]
    events = []
    ch.add_on_return_callback(
        lambda c, m, p, b: events.append(("return", m.reply_code, m.reply_text, m.exchange, m.routing_key, b)))
    selected = []

    def on_confirm(frame):
        events.append((type(frame.method).__name__.lower(), frame.method.delivery_tag, frame.method.multiple))
    ch.confirm_delivery(on_confirm, callback=selected.append)
    wait_for(conn, lambda: selected, what="confirm.select-ok")
    return ch, events


def confirm_map(events):
    """{tag: 'ack' | 'nack'}, expanding multiple=True over the tags not yet confirmed."""
    out = {}
    for e in events:
        if e[0] not in ("ack", "nack"):
            continue
        if e[2]:
            for t in range(1, e[1] + 1):
                out.setdefault(t, e[0])
        else:
            true(e[1] not in out, "tag %d confirmed twice" % e[1])
            out[e[1]] = e[0]
    return out


def acked_tags(events):
    """Expands (multiple) acks into the set of tags they confirm."""
    done = set()
    for e in events:
        if e[0] != "ack":
            continue
        if e[2]:
            done.update(t for t in range(1, e[1] + 1))
        else:
            done.add(e[1])
    return done


@test()
def test_confirms_ack_every_publish(ctx):
    conn = ctx.connect()
    ch, events = raw_confirm_channel(ctx, conn)
    q = ctx.queue()
    conn.channel().queue_declare(q)
    for i in range(200):
        ch.basic_publish("", q, b"m%d" % i)
    wait_for(conn, lambda: acked_tags(events) == set(range(1, 201)), what="acks for 200 publishes")
    eq({e[0] for e in events}, {"ack"}, "only acks")
    tags = [e[1] for e in events]
    eq(tags, sorted(tags), "ack tags increase")
    eq(tags[-1], 200, "last ack")
    for e in events:
        if not e[2]:
            continue
        true(e[1] > 1, "multiple ack covers earlier tags")
    # Unroutable, non-mandatory: still acked, nothing returned.
    events.clear()
    ch.basic_publish("amq.direct", "no-such-binding", b"dropped")
    wait_for(conn, lambda: events, what="ack")
    eq(events, [("ack", 201, False)], "unroutable non-mandatory publish is acked")


@test(timeout=60)
def test_confirms_burst_coalesced(ctx):
    """A burst of 1,000 publishes in confirm mode: as RabbitMQ, fewer ack frames than publishes
    (runs acked with multiple=true), and every tag confirmed exactly once."""
    conn = ctx.connect()
    ch, events = raw_confirm_channel(ctx, conn)
    q = ctx.queue()
    conn.channel().queue_declare(q)
    for i in range(1000):
        ch.basic_publish("", q, b"burst %d" % i)
    wait_for(conn, lambda: acked_tags(events) == set(range(1, 1001)), timeout=20, what="acks for 1000 publishes")
    harness.pump(conn, 0.2)
    acks = [e for e in events if e[0] == "ack"]
    print("  1000 publishes confirmed by %d ack frames, %d with multiple=true"
          % (len(acks), sum(1 for e in acks if e[2])))
    true(len(acks) < 1000, "fewer ack frames (%d) than publishes" % len(acks))
    true(any(e[2] for e in acks), "some acks have multiple=true")
    covered = []
    highest = 0
    for _, tag, multiple in acks:
        covered += list(range(highest + 1, tag + 1)) if multiple else [tag]
        highest = max(highest, tag)
    eq(sorted(covered), list(range(1, 1001)), "every tag confirmed exactly once")
    eq(conn.channel().queue_declare(q, passive=True).method.message_count, 1000, "all routed")


@test()
def test_confirms_blocking_pika(ctx):
    ch = ctx.channel()
    ch.confirm_delivery()
    q = ctx.queue()
    ch.queue_declare(q)
    ch.basic_publish("", q, b"a")
    ch.basic_publish("", q, b"b", mandatory=True)
    try:
        ch.basic_publish("", ctx.name("nowhere"), b"c", mandatory=True)
        raise AssertionError("expected UnroutableError")
    except pika.exceptions.UnroutableError as e:
        eq(len(e.messages), 1, "returned messages")
        eq(e.messages[0].method.reply_code, 312, "reply code")
        eq(e.messages[0].method.reply_text, "NO_ROUTE", "reply text")
        eq(e.messages[0].body, b"c", "returned body")
    eq(ch.queue_declare(q, passive=True).method.message_count, 2, "routed publishes")


@test()
def test_mandatory_return_comes_before_ack(ctx):
    conn = ctx.connect()
    ch, events = raw_confirm_channel(ctx, conn)
    q = ctx.queue()
    x = ctx.exchange()
    setup = conn.channel()
    setup.queue_declare(q)
    setup.exchange_declare(x, exchange_type="direct")
    setup.queue_bind(q, x, "good")
    props = pika.BasicProperties(message_id="m1", headers={"h": 1})
    ch.basic_publish(x, "bad", b"unroutable", props, mandatory=True)
    ch.basic_publish(x, "good", b"routed", props, mandatory=True)
    missing = ctx.name("missing")
    ch.basic_publish("", missing, b"to-nowhere", mandatory=True)
    wait_for(conn, lambda: acked_tags(events) == {1, 2, 3},
             what="3 confirms")
    harness.pump(conn, 0.2)
    # Each return comes right before the ack of the same publish. RabbitMQ may ack the routed
    # publish 2 after 3 (an unroutable publish is confirmed at once, a routed one once its queue
    # has it), so the order of the acks themselves is not checked.
    eq(len(events), 5, "events")
    eq(events[0], ("return", 312, "NO_ROUTE", x, "bad", b"unroutable"), "first event")
    eq(events[1], ("ack", 1, False), "ack after the first return")
    i = events.index(("return", 312, "NO_ROUTE", "", missing, b"to-nowhere"))
    eq(events[i + 1], ("ack", 3, False), "ack right after the second return")
    true(("ack", 2, False) in events, "routed publish acked")


@test()
def test_mandatory_return_without_confirms(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    returned = []
    ch.add_on_return_callback(lambda c, m, p, b: returned.append((m.reply_code, m.reply_text, m.exchange,
                                                                  m.routing_key, p.headers, b)))
    x = ctx.exchange()
    ch.exchange_declare(x, exchange_type="topic")
    ch.basic_publish(x, "a.b", b"one", pika.BasicProperties(headers={"k": "v"}), mandatory=True)
    ch.basic_publish(x, "a.b", b"two")  # not mandatory: silently dropped
    wait_for(conn, lambda: returned, what="basic.return")
    harness.pump(conn, 0.3)
    eq(returned, [(312, "NO_ROUTE", x, "a.b", {"k": "v"}, b"one")], "returns")


@test()
def test_nack_on_reject_publish_overflow(ctx):
    conn = ctx.connect()
    ch, events = raw_confirm_channel(ctx, conn)
    q = ctx.queue()
    conn.channel().queue_declare(q, arguments={"x-max-length": 1, "x-overflow": "reject-publish"})
    ch.basic_publish("", q, b"fits")
    ch.basic_publish("", q, b"rejected", mandatory=True)
    ch.basic_publish("", q, b"rejected too")
    wait_for(conn, lambda: len(confirm_map(events)) >= 3, what="3 confirms")
    harness.pump(conn, 0.2)
    eq(confirm_map(events), {1: "ack", 2: "nack", 3: "nack"}, "confirms with reject-publish")
    eq([e for e in events if e[0] == "return"], [], "a nacked mandatory publish is not returned")
    eq(conn.channel().queue_declare(q, passive=True).method.message_count, 1, "queue keeps the first")


# ------------------------------------------------------------------------------- 404 / 405 / 406


@test()
def test_404_missing_queue_and_exchange(ctx):
    conn = ctx.connect()
    missing_q, missing_x = ctx.name("noq"), ctx.name("nox")
    expect_channel_error(lambda: conn.channel().queue_declare(missing_q, passive=True), 404,
                         "NOT_FOUND - no queue '%s' in vhost '/'" % missing_q)
    expect_channel_error(lambda: conn.channel().exchange_declare(missing_x, passive=True), 404,
                         "NOT_FOUND - no exchange '%s' in vhost '/'" % missing_x)
    expect_channel_error(lambda: conn.channel().basic_get(missing_q), 404,
                         "NOT_FOUND - no queue '%s' in vhost '/'" % missing_q)
    expect_channel_error(lambda: conn.channel().basic_consume(missing_q, lambda *a: None), 404,
                         "NOT_FOUND - no queue '%s' in vhost '/'" % missing_q)
    q = ctx.queue()
    conn.channel().queue_declare(q)
    expect_channel_error(lambda: conn.channel().queue_bind(q, missing_x, "k"), 404,
                         "NOT_FOUND - no exchange '%s' in vhost '/'" % missing_x)
    expect_channel_error(lambda: conn.channel().queue_bind(missing_q, "amq.direct", "k"), 404,
                         "NOT_FOUND - no queue '%s' in vhost '/'" % missing_q)
    expect_channel_error(lambda: conn.channel().exchange_bind(missing_x, "amq.direct", "k"), 404,
                         "NOT_FOUND - no exchange '%s' in vhost '/'" % missing_x)
    # Publishing to a missing exchange closes the channel asynchronously.
    ch = conn.channel()
    seen = harness.watch_channel_close(ch)
    ch.basic_publish(missing_x, "k", b"x")
    eq(harness.wait_channel_closed(conn, seen), (404, "NOT_FOUND - no exchange '%s' in vhost '/'" % missing_x),
       "publish to a missing exchange")
    # The connection survives channel errors.
    eq(conn.channel().queue_declare(q, passive=True).method.message_count, 0, "connection still usable")


@test()
def test_404_delete_missing(ctx):
    conn = ctx.connect()
    missing_q, missing_x = ctx.name("noq"), ctx.name("nox")
    # RabbitMQ 3.10: deleting a missing queue or exchange is OK (idempotent).
    ch = conn.channel()
    eq(ch.queue_delete(missing_q).method.message_count, 0, "queue.delete-ok of a missing queue")
    ch.exchange_delete(missing_x)
    ch.queue_unbind(ctx.name("noq2"), "amq.direct", "k") if False else None


@test()
def test_405_exclusive_queue_from_another_connection(ctx):
    owner = ctx.connect()
    och = owner.channel()
    q = "bst-x-" + ctx.name()[-8:]  # short enough for the whole text to fit in 255 bytes
    ctx.track_queue(q)
    och.queue_declare(q, exclusive=True)
    och.basic_publish("", q, b"private")
    locked = ("RESOURCE_LOCKED - cannot obtain exclusive access to locked queue '%s' in vhost '/'. It could be "
              "originally declared on another connection or the exclusive property value does not match that of "
              "the original declaration." % q)
    other = ctx.connect()
    expect_channel_error(lambda: other.channel().queue_declare(q), 405, locked)
    expect_channel_error(lambda: other.channel().queue_declare(q, exclusive=True), 405, locked)
    expect_channel_error(lambda: other.channel().queue_declare(q, passive=True), 405, locked)
    expect_channel_error(lambda: other.channel().basic_get(q), 405, locked)
    expect_channel_error(lambda: other.channel().basic_consume(q, lambda *a: None), 405, locked)
    expect_channel_error(lambda: other.channel().queue_delete(q), 405, locked)
    expect_channel_error(lambda: other.channel().queue_purge(q), 405, locked)
    expect_channel_error(lambda: other.channel().queue_bind(q, "amq.fanout"), 405, locked)
    # Reply texts are short strings: RabbitMQ cuts longer ones to 252 bytes plus "...".
    long_q = ctx.queue("a-rather-long-exclusive-queue-name-" + "z" * 60)
    och.queue_declare(long_q, exclusive=True)
    full = locked.replace("'%s'" % q, "'%s'" % long_q)
    true(len(full) > 255, "the text is long")
    expect_channel_error(lambda: other.channel().queue_declare(long_q), 405, full)
    # The owner is unaffected, and may redeclare it.
    eq(och.queue_declare(q, exclusive=True).method.message_count, 1, "owner's redeclare")
    # Publishing from another connection is allowed.
    other.channel().basic_publish("", q, b"from outside")
    harness.pump(owner, 0.2)
    eq(och.queue_declare(q, passive=True).method.message_count, 2, "publish from another connection")


@test()
def test_406_redeclare_with_other_properties(ctx):
    conn = ctx.connect()
    q = ctx.queue()
    conn.channel().queue_declare(q, arguments={"x-message-ttl": 1000})
    expect_channel_error(lambda: conn.channel().queue_declare(q, durable=True, arguments={"x-message-ttl": 1000}),
                         406, "PRECONDITION_FAILED - inequivalent arg 'durable' for queue '%s' in vhost '/': "
                              "received 'true' but current is 'false'" % q)
    prefix = "PRECONDITION_FAILED - inequivalent arg '%s' for queue '" + q + "' in vhost '/': "
    expect_channel_error(lambda: conn.channel().queue_declare(q, arguments={"x-message-ttl": 2000}), 406,
                         prefix % "x-message-ttl" + "received '2000' but current is '1000'")
    expect_channel_error(lambda: conn.channel().queue_declare(q, arguments={"x-message-ttl": "1000"}), 406,
                         prefix % "x-message-ttl" + "received '1000' but current is '1000'")
    expect_channel_error(lambda: conn.channel().queue_declare(q), 406,
                         prefix % "x-message-ttl" + "received none but current is the value '1000' of type 'signedint'")
    expect_channel_error(lambda: conn.channel().queue_declare(q, arguments={"x-message-ttl": 1000,
                                                                             "x-max-length": 5}), 406,
                         prefix % "x-max-length" + "received the value '5' of type 'signedint' but current is none")
    expect_channel_error(lambda: conn.channel().queue_declare(q, auto_delete=True, arguments={"x-message-ttl": 1000}),
                         406, prefix % "auto_delete" + "received 'true' but current is 'false'")
    expect_channel_error(lambda: conn.channel().queue_declare(q, exclusive=True, arguments={"x-message-ttl": 1000}),
                         405, "RESOURCE_LOCKED - cannot obtain exclusive access to locked queue '%s' in vhost '/'. "
                              "It could be originally declared on another connection or the exclusive property value "
                              "does not match that of the original declaration." % q)
    # An existing queue's arguments are only compared, never validated again.
    expect_channel_error(lambda: conn.channel().queue_declare(q, arguments={"x-message-ttl": -1}), 406,
                         prefix % "x-message-ttl" + "received '-1' but current is '1000'")
    expect_channel_error(lambda: conn.channel().queue_declare(q, arguments={"x-message-ttl": 1000,
                                                                             "x-overflow": "bogus"}), 406,
                         prefix % "x-overflow" + "received the value 'bogus' of type 'longstr' but current is none")
    # Unknown x- arguments are not compared.
    conn.channel().queue_declare(q, arguments={"x-message-ttl": 1000, "x-bogus": 5})
    # A passive declare ignores the other fields.
    conn.channel().queue_declare(q, passive=True, durable=True)
    x = ctx.exchange()
    conn.channel().exchange_declare(x, exchange_type="direct")
    expect_channel_error(lambda: conn.channel().exchange_declare(x, exchange_type="fanout"), 406,
                         "PRECONDITION_FAILED - inequivalent arg 'type' for exchange '%s' in vhost '/': "
                         "received 'fanout' but current is 'direct'" % x)
    expect_channel_error(lambda: conn.channel().exchange_declare(x, exchange_type="direct", durable=True), 406,
                         "PRECONDITION_FAILED - inequivalent arg 'durable' for exchange '%s' in vhost '/': "
                         "received 'true' but current is 'false'" % x)
    xprefix = "PRECONDITION_FAILED - inequivalent arg '%s' for exchange '" + x + "' in vhost '/': "
    expect_channel_error(lambda: conn.channel().exchange_declare(x, exchange_type="direct", auto_delete=True), 406,
                         xprefix % "auto_delete" + "received 'true' but current is 'false'")
    expect_channel_error(lambda: conn.channel().exchange_declare(x, exchange_type="direct", internal=True), 406,
                         xprefix % "internal" + "received 'true' but current is 'false'")
    expect_channel_error(lambda: conn.channel().exchange_declare(x, exchange_type="direct",
                                                                 arguments={"alternate-exchange": "foo"}), 406,
                         xprefix % "alternate-exchange" + "received the value 'foo' of type 'longstr' but current is none")


@test()
def test_406_unknown_delivery_tag(ctx):
    conn = ctx.connect()
    q = ctx.queue()
    conn.channel().queue_declare(q)
    for method in ("ack", "nack", "reject"):
        ch = conn.channel()
        ch.basic_publish("", q, b"m")
        m, p, b = ch.basic_get(q)
        eq(m.delivery_tag, 1, "first tag on a channel")
        seen = harness.watch_channel_close(ch)
        getattr(ch, "basic_" + method)(1)
        getattr(ch, "basic_" + method)(1)  # the second time the tag is unknown
        eq(harness.wait_channel_closed(conn, seen), (406, "PRECONDITION_FAILED - unknown delivery tag 1"),
           "double " + method)
    ch = conn.channel()
    seen = harness.watch_channel_close(ch)
    ch.basic_ack(42)
    eq(harness.wait_channel_closed(conn, seen), (406, "PRECONDITION_FAILED - unknown delivery tag 42"),
       "ack of a tag never delivered")
    ch = conn.channel()
    seen = harness.watch_channel_close(ch)
    ch.basic_nack(7, multiple=True)
    eq(harness.wait_channel_closed(conn, seen), (406, "PRECONDITION_FAILED - unknown delivery tag 7"),
       "nack multiple of a tag never delivered")
    # An auto-ack delivery cannot be acked.
    ch = conn.channel()
    ch.basic_publish("", q, b"m")
    m, p, b = ch.basic_get(q, auto_ack=True)
    seen = harness.watch_channel_close(ch)
    ch.basic_ack(m.delivery_tag)
    eq(harness.wait_channel_closed(conn, seen), (406, "PRECONDITION_FAILED - unknown delivery tag 1"),
       "ack of an auto-acked delivery")


@test()
def test_406_delete_if_empty_if_unused(ctx):
    conn = ctx.connect()
    q = ctx.queue()
    ch = conn.channel()
    ch.queue_declare(q)
    ch.basic_publish("", q, b"m")
    harness.pump(conn, 0.1)
    expect_channel_error(lambda: conn.channel().queue_delete(q, if_empty=True), 406,
                         "PRECONDITION_FAILED - queue '%s' in vhost '/' not empty" % q)
    ch = conn.channel()
    ch.basic_consume(q, lambda *a: None, auto_ack=True)
    expect_channel_error(lambda: conn.channel().queue_delete(q, if_unused=True), 406,
                         "PRECONDITION_FAILED - queue '%s' in vhost '/' in use" % q)
    x = ctx.exchange()
    conn.channel().exchange_declare(x, exchange_type="fanout")
    conn.channel().queue_bind(q, x)
    expect_channel_error(lambda: conn.channel().exchange_delete(x, if_unused=True), 406,
                         "PRECONDITION_FAILED - exchange '%s' in vhost '/' in use" % x)


@test()
def test_403_reserved_names(ctx):
    conn = ctx.connect()
    expect_channel_error(lambda: conn.channel().queue_declare("amq.bst-q"), 403,
                         "ACCESS_REFUSED - queue name 'amq.bst-q' contains reserved prefix 'amq.*'")
    expect_channel_error(lambda: conn.channel().exchange_declare("amq.bst-x", exchange_type="direct"), 403,
                         "ACCESS_REFUSED - exchange name 'amq.bst-x' contains reserved prefix 'amq.*'")
    expect_channel_error(lambda: conn.channel().exchange_delete("amq.direct"), 403,
                         "ACCESS_REFUSED - deletion of system exchange 'amq.direct' in vhost '/' not allowed")
    q = ctx.queue()
    conn.channel().queue_declare(q)
    expect_channel_error(lambda: conn.channel().queue_bind(q, ""), 403,
                         "ACCESS_REFUSED - operation not permitted on the default exchange")
    # Passive declares of the predeclared exchanges work.
    for x in ("amq.direct", "amq.fanout", "amq.topic", "amq.headers", "amq.match"):
        conn.channel().exchange_declare(x, passive=True)


@test()
def test_connection_errors(ctx):
    # An unknown exchange type is a connection error (503) in RabbitMQ.
    c = ctx.connect()
    x = ctx.exchange()
    expect_connection_error(lambda: c.channel().exchange_declare(x, exchange_type="bogus"), 503,
                            "COMMAND_INVALID - unknown exchange type 'bogus'")
    c = ctx.connect()
    expect_connection_error(lambda: c.channel().basic_qos(prefetch_size=1), 540,
                            "NOT_IMPLEMENTED - prefetch_size!=0 (1)")



@test()
def test_403_internal_and_default_exchange(ctx):
    conn = ctx.connect()
    x = ctx.exchange("internal")
    conn.channel().exchange_declare(x, exchange_type="fanout", internal=True)
    ch = conn.channel()
    seen = harness.watch_channel_close(ch)
    ch.basic_publish(x, "k", b"x")
    eq(harness.wait_channel_closed(conn, seen),
       (403, "ACCESS_REFUSED - cannot publish to internal exchange '%s' in vhost '/'" % x), "internal publish")
    default = "ACCESS_REFUSED - operation not permitted on the default exchange"
    expect_channel_error(lambda: conn.channel().exchange_declare("", "direct", passive=True), 403, default)
    expect_channel_error(lambda: conn.channel().exchange_delete(""), 403, default)
    expect_channel_error(lambda: conn.channel().exchange_bind("", "amq.direct", "k"), 403, default)
    expect_channel_error(lambda: conn.channel().exchange_bind("amq.direct", "", "k"), 403, default)
    expect_channel_error(lambda: conn.channel().exchange_declare("amq.direct", "direct"), 406,
                         "PRECONDITION_FAILED - inequivalent arg 'durable' for exchange 'amq.direct' in vhost '/': "
                         "received 'false' but current is 'true'")
    conn.channel().exchange_declare("amq.direct", "direct", durable=True)
    ch = conn.channel()
    seen = harness.watch_channel_close(ch)
    ch.basic_publish("amq.default", "k", b"x")
    eq(harness.wait_channel_closed(conn, seen), (404, "NOT_FOUND - no exchange 'amq.default' in vhost '/'"),
       "amq.default is not a name for the default exchange in 3.10")


@test()
def test_406_invalid_expiration(ctx):
    conn = ctx.connect()
    q = ctx.queue()
    conn.channel().queue_declare(q)
    cases = [
        ("abc", "no_integer"), ("", "no_integer"), (" 5", "no_integer"), ("-", "no_integer"), ("--5", "no_integer"),
        ("-5", "{value_negative,-5}"), ("1.5", '{leftover_string,".5"}'), ("5abc", '{leftover_string,"abc"}'),
        ("5 ", '{leftover_string," "}'), ("1e3", '{leftover_string,"e3"}'),
        ("315360000001", "{value_too_large,315360000001}"),
        ("8640000000000000", "{value_too_large,8640000000000000}"),
        ("+922337203685477580", "{value_too_large,922337203685477580}"),
        # io_lib's ~p breaks a tuple that would pass column 78, indenting under its first element.
        ("9223372036854775807", "{value_too_large,\n" + " " * 43 + "9223372036854775807}"),
        ("-12345678901234567890123", "{value_negative,\n" + " " * 48 + "-12345678901234567890123}"),
        ("5" + "a" * 25, "{leftover_string,\n" + " " * 50 + '"' + "a" * 25 + '"}'),
    ]
    for expiration, reason in cases:
        ch = conn.channel()
        seen = harness.watch_channel_close(ch)
        ch.basic_publish("", q, b"x", pika.BasicProperties(expiration=expiration))
        eq(harness.wait_channel_closed(conn, seen),
           (406, "PRECONDITION_FAILED - invalid expiration '%s': %s" % (expiration, reason)),
           "expiration %r" % expiration)
    ch = conn.channel()
    ch.confirm_delivery()
    for expiration in ("+5", "007", "-0", "0", "315360000000", "4294967296"):
        ch.basic_publish("", q, b"x", pika.BasicProperties(expiration=expiration))


@test()
def test_406_consumer_priority_and_alternate_exchange_types(ctx):
    conn = ctx.connect()
    q = ctx.queue()
    conn.channel().queue_declare(q)
    for value, type_name in ((True, "bool"), ("high", "longstr"), (None, "void"), ([1], "array"),
                             (decimal.Decimal("1.5"), "decimal")):
        expect_channel_error(lambda: conn.channel().basic_consume(q, lambda *a: None,
                                                                  arguments={"x-priority": value}), 406,
                             "PRECONDITION_FAILED - invalid arg 'x-priority' for queue '%s' in vhost '/': "
                             "\"expected integer, got %s\"" % (q, type_name))
    ch = conn.channel()
    ch.basic_consume(q, lambda *a: None, arguments={"x-priority": 2 ** 40})
    ch.basic_consume(q, lambda *a: None, arguments={"x-priority": -5})
    x = ctx.exchange()
    for value, type_name in ((5, "signedint"), (True, "bool")):
        expect_channel_error(lambda: conn.channel().exchange_declare(x, "direct",
                                                                     arguments={"alternate-exchange": value}), 406,
                             "PRECONDITION_FAILED - invalid type '%s' for arg 'alternate-exchange' in exchange '%s' "
                             "in vhost '/'" % (type_name, x))


@test()
def test_404_empty_queue_name_shortcut(ctx):
    conn = ctx.connect()
    nothing = "NOT_FOUND - no previously declared queue"
    expect_channel_error(lambda: conn.channel().queue_declare("", passive=True), 404,
                         "NOT_FOUND - no queue '' in vhost '/'")
    expect_channel_error(lambda: conn.channel().basic_get(""), 404, nothing)
    expect_channel_error(lambda: conn.channel().queue_purge(""), 404, nothing)
    expect_channel_error(lambda: conn.channel().queue_delete(""), 404, nothing)
    expect_channel_error(lambda: conn.channel().basic_consume("", lambda *a: None), 404, nothing)
    expect_channel_error(lambda: conn.channel().queue_bind("", "amq.direct", "k"), 404, nothing)
    expect_channel_error(lambda: conn.channel().queue_unbind("", "amq.direct", "k"), 404, nothing)
    # After a declare, '' means that queue, except for a passive declare.
    ch = conn.channel()
    q = ctx.queue()
    ch.queue_declare(q)
    ch.queue_bind("", "amq.direct", q)
    ch.basic_publish("amq.direct", q, b"via shortcut")
    m, p, b = ch.basic_get("")
    eq((b, m.routing_key), (b"via shortcut", q), "get '' after declare")
    expect_channel_error(lambda: ch.queue_declare("", passive=True), 404, "NOT_FOUND - no queue '' in vhost '/'")
    ch = conn.channel()
    ch.queue_declare(q, passive=True)  # a passive declare sets the shortcut too
    eq(ch.queue_delete("").method.message_count, 1, "delete after a passive declare (delete-ok counts the unacked get)")
    expect_channel_error(lambda: conn.channel().queue_declare(q, passive=True), 404,
                         "NOT_FOUND - no queue '%s' in vhost '/'" % q)


@test()
def test_tx_confirm_and_flow(ctx):
    conn = ctx.connect()
    expect_channel_error(lambda: conn.channel().tx_commit(), 406, "PRECONDITION_FAILED - channel is not transactional")
    expect_channel_error(lambda: conn.channel().tx_rollback(), 406,
                         "PRECONDITION_FAILED - channel is not transactional")
    ch = conn.channel()
    ch.tx_select()
    expect_channel_error(lambda: ch.confirm_delivery(), 406, "PRECONDITION_FAILED - cannot switch from tx to confirm mode")
    ch = conn.channel()
    ch.confirm_delivery()
    expect_channel_error(lambda: ch.tx_select(), 406, "PRECONDITION_FAILED - cannot switch from confirm to tx mode")
    # Transactions: nothing is visible before commit, and rollback drops the publishes.
    q = ctx.queue()
    ch = conn.channel()
    ch.queue_declare(q)
    ch.tx_select()
    ch.basic_publish("", q, b"t1")
    eq(conn.channel().queue_declare(q, passive=True).method.message_count, 0, "before commit")
    ch.tx_rollback()
    ch.basic_publish("", q, b"t2")
    ch.tx_commit()
    eq(conn.channel().queue_declare(q, passive=True).method.message_count, 1, "after commit")
    m, p, b = ch.basic_get(q)
    eq(b, b"t2", "the committed one")
    ch.basic_ack(m.delivery_tag)
    ch.tx_rollback()  # the ack is undone
    eq(conn.channel().queue_declare(q, passive=True).method.message_count, 0, "unacked after rollback")
    ch.tx_commit()
    ch.flow(True)
    expect_connection_error(lambda: ch.flow(False), 540, "NOT_IMPLEMENTED - active=false")


@test()
def test_406_queue_arguments(ctx):
    conn = ctx.connect()
    inv = "PRECONDITION_FAILED - invalid arg '%s' for queue '%s' in vhost '/': %s"
    of_type = "PRECONDITION_FAILED - invalid arg '%s' for queue '%s' in vhost '/' of queue type %s"
    cases = [
        ({"x-message-ttl": -1}, lambda q: inv % ("x-message-ttl", q, "{value_negative,-1}")),
        ({"x-message-ttl": "abc"}, lambda q: inv % ("x-message-ttl", q, '"expected integer, got longstr"')),
        ({"x-message-ttl": 315360000001}, lambda q: inv % ("x-message-ttl", q, "{value_too_large,315360000001}")),
        ({"x-expires": 0}, lambda q: inv % ("x-expires", q, "{value_zero,0}")),
        ({"x-expires": 2 ** 40}, lambda q: inv % ("x-expires", q, "{value_too_large,1099511627776}")),
        ({"x-max-length": -1}, lambda q: inv % ("x-max-length", q, "{value_negative,-1}")),
        ({"x-overflow": "bogus"}, lambda q: inv % ("x-overflow", q, "invalid_overflow")),
        ({"x-max-priority": 256}, lambda q: inv % ("x-max-priority", q, "{max_value_exceeded,256}")),
        ({"x-dead-letter-exchange": 5},
         lambda q: "PRECONDITION_FAILED - invalid type 'signedint' for arg 'x-dead-letter-exchange' in queue '%s' "
                   "in vhost '/'" % q),
        ({"x-dead-letter-routing-key": "k"}, lambda q: inv % ("x-dead-letter-routing-key", q,
                                                              "routing_key_but_no_dlx_defined")),
        ({"x-single-active-consumer": "yes"}, lambda q: inv % ("x-single-active-consumer", q,
                                                               "{unacceptable_type,longstr}")),
        ({"x-queue-type": "bogus"}, lambda q: inv % ("x-queue-type", q, "\"unsupported queue type 'bogus'\"")),
        ({"x-queue-mode": "bogus"}, lambda q: inv % ("x-queue-mode", q, "\"unsupported queue mode 'bogus'\"")),
        # Arguments a queue type does not take are refused before any value is looked at.
        ({"x-delivery-limit": -1}, lambda q: of_type % ("x-delivery-limit", q, "rabbit_classic_queue")),
        ({"x-max-in-memory-length": 5}, lambda q: of_type % ("x-max-in-memory-length", q, "rabbit_classic_queue")),
        ({"x-queue-type": "quorum", "x-max-priority": -1},
         lambda q: of_type % ("x-max-priority", q, "rabbit_quorum_queue")),
        ({"x-queue-type": "stream", "x-dead-letter-routing-key": "k"},
         lambda q: of_type % ("x-dead-letter-routing-key", q, "rabbit_stream_queue")),
        # Values before properties; a quorum queue takes a negative delivery limit.
        ({"x-queue-type": "quorum", "x-message-ttl": -1}, lambda q: inv % ("x-message-ttl", q, "{value_negative,-1}")),
        ({"x-queue-type": "quorum", "x-delivery-limit": -1},
         lambda q: "PRECONDITION_FAILED - invalid property 'non-durable' for queue '%s' in vhost '/'" % q),
    ]
    for args, text in cases:
        q = ctx.queue("arg")
        expect_channel_error(lambda: conn.channel().queue_declare(q, arguments=args), 406, text(q))
    for args in ({"x-message-ttl": 0}, {"x-message-ttl": 315360000000}, {"x-max-length": 0}, {"x-max-priority": 255},
                 {"x-dead-letter-exchange": ""}, {"x-queue-mode": "lazy"}, {"x-unknown-arg": 1}):
        conn.channel().queue_declare(ctx.queue("ok"), arguments=args)
    # A quorum queue with x-delivery-limit -1 delivers once, like 0.
    q = ctx.queue("qq")
    ch = conn.channel()
    ch.queue_declare(q, durable=True, arguments={"x-queue-type": "quorum", "x-delivery-limit": -1})
    ch.basic_publish("", q, b"x")
    harness.pump(conn, 0.3)
    m, p, b = ch.basic_get(q)
    ch.basic_nack(m.delivery_tag, requeue=True)
    harness.pump(conn, 0.3)
    eq(ch.basic_get(q)[0], None, "gone after one delivery")

if __name__ == "__main__":
    harness.main(globals())
