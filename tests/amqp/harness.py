"""A tiny test harness for running real AMQP clients (pika) against brokersim or any broker.

Every test file ends with `harness.main(globals())`. Run it with:

    /usr/bin/python3 tests/amqp/test_tutorials.py --brokersim build/app/brokersim [TEST ...]
    /usr/bin/python3 tests/amqp/test_tutorials.py --port 5672 [TEST ...]       # an already running broker
    BROKERSIM_TEST_AMQP_PORT=5672 /usr/bin/python3 tests/amqp/test_tutorials.py

With --brokersim, the harness starts `brokersim serve --listen 127.0.0.1:0` itself, reads the port it
prints, and stops it with SIGTERM at the end, checking that it exits 0 and says it stopped.
With --port (or BROKERSIM_TEST_AMQP_PORT) it uses that broker, for example a real RabbitMQ, so the
very same expectations can be checked against the reference first.

`--list` prints the test names. The run ends with a line `N passed, N failed` (plus skips).
Every test gets a hard deadline (SIGALRM), and every socket a timeout, so nothing hangs.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import uuid

import pika
import pika.exceptions

HOST = "127.0.0.1"
DEFAULT_TEST_TIMEOUT_S = 60
_tests = []


class Skip(Exception):
    """Raised to skip a test, with the reason printed."""


class TestTimeout(Exception):
    pass


def test(timeout=DEFAULT_TEST_TIMEOUT_S, server_args=()):
    """Registers a test function. server_args are extra `brokersim serve` options it needs."""

    def wrap(fn):
        fn.amqp_test = {"timeout": timeout, "server_args": tuple(server_args)}
        _tests.append(fn)
        return fn

    return wrap


# ---------------------------------------------------------------------------------------- server


class BrokersimServer:
    def __init__(self, binary, extra_args=()):
        self.binary = binary
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.stderr_lines = []
        self._ready = threading.Event()
        self._reader = None

    def start(self, timeout=15):
        cmd = [self.binary, "serve", "--listen", HOST + ":0"] + self.extra_args
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        if not self._ready.wait(timeout):
            self.proc.kill()
            raise RuntimeError("brokersim serve did not become ready in %ss; stderr:\n%s"
                               % (timeout, "".join(self.stderr_lines)))
        if self.port is None:
            raise RuntimeError("brokersim serve printed no port; stderr:\n" + "".join(self.stderr_lines))
        return self.port

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.stderr_lines.append(line)
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if m and self.port is None:
                self.port = int(m.group(1))
            if "brokersim serve: ready" in line:
                self._ready.set()
        self._ready.set()  # the process ended

    def stop(self, timeout=10):
        """SIGTERM; returns a list of problems (empty when it stopped cleanly)."""
        problems = []
        if self.proc.poll() is not None:
            problems.append("brokersim exited early with %s" % self.proc.returncode)
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                problems.append("brokersim did not stop within %ss of SIGTERM" % timeout)
        self._reader.join(5)
        if self.proc.returncode != 0 and not problems:
            problems.append("brokersim exited with %s after SIGTERM" % self.proc.returncode)
        text = "".join(self.stderr_lines)
        if "brokersim serve: stopped" not in text and not problems:
            problems.append("brokersim did not print 'brokersim serve: stopped'")
        for bad in ("AddressSanitizer", "runtime error", "terminate called", "Segmentation"):
            if bad in text:
                problems.append("brokersim stderr mentions %r" % bad)
        if problems:
            problems.append("brokersim stderr (last 40 lines):\n" + "".join(self.stderr_lines[-40:]))
        return problems


# ---------------------------------------------------------------------------------------- context


class Context:
    """What a test gets: the broker's address, helpers for connections, unique names and cleanup."""

    def __init__(self, port, test_name, is_brokersim_target, server=None):
        self.port = port
        self._server = server
        self.test_name = test_name
        self._prefix = "bst-%s-%s" % (test_name.replace("test_", "")[:30], uuid.uuid4().hex[:6])
        self._n = 0
        self._queues = []
        self._exchanges = []
        self._connections = []
        self._is_brokersim = is_brokersim_target

    # -- names and cleanup
    def name(self, what="q"):
        self._n += 1
        return "%s-%s%d" % (self._prefix, what, self._n)

    def queue(self, what="q"):
        n = self.name(what)
        self._queues.append(n)
        return n

    def exchange(self, what="x"):
        n = self.name(what)
        self._exchanges.append(n)
        return n

    def track_queue(self, name):
        self._queues.append(name)

    # -- connections
    def params(self, **kw):
        kw.setdefault("credentials", pika.PlainCredentials("guest", "guest"))
        kw.setdefault("socket_timeout", 5)
        kw.setdefault("blocked_connection_timeout", 10)
        kw.setdefault("connection_attempts", 1)
        kw.setdefault("stack_timeout", 10)
        return pika.ConnectionParameters(HOST, self.port, **kw)

    def connect(self, **kw):
        c = pika.BlockingConnection(self.params(**kw))
        self._connections.append(c)
        return c

    def channel(self, **kw):
        return self.connect(**kw).channel()

    def raw_socket(self, timeout=5):
        s = socket.create_connection((HOST, self.port), timeout=timeout)
        s.settimeout(timeout)
        return s

    def server_log(self):
        """What the brokersim server this run started has logged so far; None for another broker."""
        return "".join(self._server.stderr_lines) if self._server else None

    @property
    def is_brokersim(self):
        return self._is_brokersim

    def known_difference(self, reason):
        """Skips on brokersim only: RabbitMQ's behaviour is still checked by the same test."""
        if self._is_brokersim:
            raise Skip("KNOWN DIFFERENCE from RabbitMQ: " + reason)

    def cleanup(self):
        for c in self._connections:
            try:
                if c.is_open:
                    c.close()
            except Exception:
                pass
        if not self._queues and not self._exchanges:
            return
        try:
            c = pika.BlockingConnection(self.params())
        except Exception as e:
            print("  (cleanup could not connect: %r)" % (e,))
            return
        try:
            for q in self._queues:
                ch = c.channel()
                try:
                    ch.queue_delete(q)
                    ch.close()
                except Exception:
                    pass
            for x in self._exchanges:
                ch = c.channel()
                try:
                    ch.exchange_delete(x)
                    ch.close()
                except Exception:
                    pass
        finally:
            try:
                c.close()
            except Exception:
                pass


# ---------------------------------------------------------------------------------------- helpers


def reply_text(text):
    """A reply text as RabbitMQ sends it: a short string, cut to 252 bytes plus '...' when longer."""
    raw = text.encode()
    return text if len(raw) <= 255 else raw[:252].decode(errors="ignore") + "..."


def eq(actual, expected, what=""):
    if actual != expected:
        raise AssertionError("%s: expected %r, got %r" % (what or "value", expected, actual))


def true(cond, what):
    if not cond:
        raise AssertionError(what)


def expect_channel_error(fn, code, text=None, text_re=None):
    """Runs fn, which must make the broker close the channel with code (and text)."""
    try:
        fn()
    except pika.exceptions.ChannelClosedByBroker as e:
        eq(e.reply_code, code, "channel.close reply code")
        if text is not None:
            eq(e.reply_text, reply_text(text), "channel.close reply text")
        if text_re is not None:
            true(re.fullmatch(text_re, e.reply_text), "reply text %r does not match %r" % (e.reply_text, text_re))
        return e
    raise AssertionError("expected channel.close %d %r, but the call succeeded" % (code, text))


def expect_connection_error(fn, code, text=None):
    try:
        fn()
    except pika.exceptions.ConnectionClosedByBroker as e:
        eq(e.reply_code, code, "connection.close reply code")
        if text is not None:
            eq(e.reply_text, text, "connection.close reply text")
        return e
    raise AssertionError("expected connection.close %d %r, but the call succeeded" % (code, text))


def watch_channel_close(ch):
    """Records the broker's asynchronous channel.close, for errors after ack/nack/publish."""
    seen = []
    ch._impl.add_on_close_callback(lambda _ch, reason: seen.append(reason))
    return seen


def pump(conn, seconds):
    """Processes events for a whole `seconds` (pika's process_data_events returns after the first)."""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        conn.process_data_events(time_limit=left)


def wait_for(conn, cond, timeout=5.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not cond():
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
        conn.process_data_events(time_limit=min(0.1, left))


def wait_channel_closed(conn, seen, timeout=5.0):
    wait_for(conn, lambda: seen, timeout, "channel.close from the broker")
    reason = seen[0]
    return getattr(reason, "reply_code", None), getattr(reason, "reply_text", None)


def drain(conn, ch, queue, n, timeout=5.0, auto_ack=False, **consume_kw):
    """Consumes until n deliveries arrive; returns [(method, properties, body)] and the tag."""
    got = []
    tag = ch.basic_consume(queue, lambda c, m, p, b: got.append((m, p, b)), auto_ack=auto_ack, **consume_kw)
    wait_for(conn, lambda: len(got) >= n, timeout, "%d deliveries from %s (got %d)" % (n, queue, len(got)))
    return got, tag


def get_all(ch, queue, auto_ack=True, limit=10000):
    out = []
    for _ in range(limit):
        m, p, b = ch.basic_get(queue, auto_ack=auto_ack)
        if m is None:
            break
        out.append((m, p, b))
    return out


# ---------------------------------------------------------------------------------------- runner


def _alarm(signum, frame):
    raise TestTimeout("test exceeded its deadline")


def _probe_product(port):
    c = pika.BlockingConnection(pika.ConnectionParameters(HOST, port, socket_timeout=5, connection_attempts=1))
    try:
        return c._impl.server_properties.get("product")
    finally:
        c.close()


def main(namespace):
    args = sys.argv[1:]
    binary = None
    port = os.environ.get("BROKERSIM_TEST_AMQP_PORT")
    names = []
    listing = False
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--brokersim":
            binary = args[i + 1]
            i += 2
        elif a == "--port":
            port = args[i + 1]
            i += 2
        elif a == "--list":
            listing = True
            i += 1
        elif a.startswith("-"):
            print("usage: %s [--brokersim BINARY | --port PORT] [--list] [TEST ...]" % sys.argv[0])
            sys.exit(2)
        else:
            names.append(a)
            i += 1
    tests = [fn for fn in _tests if fn.__module__ == namespace["__name__"]]
    if listing:
        for fn in tests:
            print(fn.__name__)
        return
    if names:
        by_name = {fn.__name__: fn for fn in tests}
        unknown = [n for n in names if n not in by_name]
        if unknown:
            print("unknown test(s): %s" % ", ".join(unknown))
            print("0 passed, %d failed" % len(unknown))
            sys.exit(1)
        tests = [by_name[n] for n in names]
    if binary is None and port is None:
        print("give --brokersim BINARY, or --port PORT / BROKERSIM_TEST_AMQP_PORT for a running broker")
        sys.exit(2)

    server = None
    passed = failed = skipped = 0
    signal.signal(signal.SIGALRM, _alarm)
    try:
        if binary is not None:
            # The server runs with the options every selected test needs.
            extra = []
            for fn in tests:
                extra_args = list(fn.amqp_test["server_args"])
                for j in range(0, len(extra_args), 2):
                    if extra_args[j] not in extra:
                        extra += extra_args[j:j + 2]
            server = BrokersimServer(binary, extra)
            port = server.start()
            print("brokersim serve %s listening on %s:%d" % (" ".join(extra), HOST, port))
        port = int(port)
        product = _probe_product(port)
        is_brokersim = product == "brokersim"
        print("target: %s on %s:%d" % (product, HOST, port))
        sys.stdout.flush()
        for fn in tests:
            ctx = Context(port, fn.__name__, is_brokersim, server)
            start = time.monotonic()
            signal.alarm(fn.amqp_test["timeout"])
            try:
                fn(ctx)
                signal.alarm(0)
                passed += 1
                print("PASS %s (%.1fs)" % (fn.__name__, time.monotonic() - start))
            except Skip as e:
                signal.alarm(0)
                skipped += 1
                print("SKIP %s: %s" % (fn.__name__, e))
            except BaseException as e:  # noqa: B902 - a test must never take the runner down
                signal.alarm(0)
                if isinstance(e, KeyboardInterrupt):
                    raise
                failed += 1
                print("FAIL %s (%.1fs): %s" % (fn.__name__, time.monotonic() - start, e))
                traceback.print_exc(file=sys.stdout)
            finally:
                signal.alarm(20)
                try:
                    ctx.cleanup()
                except BaseException as e:
                    print("  (cleanup failed: %r)" % (e,))
                signal.alarm(0)
            sys.stdout.flush()
    finally:
        if server is not None:
            problems = server.stop()
            if problems:
                failed += 1
                print("FAIL brokersim shutdown: " + "\n".join(problems))
    print("%d passed, %d failed%s" % (passed, failed, ", %d skipped" % skipped if skipped else ""))
    sys.exit(1 if failed else 0)
