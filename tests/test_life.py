#!/usr/bin/env python3
"""A connection's life (issue 9): every slot in use gets somewhere.

Runs natterd-checks (build/test: the release code plus the invariant sweep
of src/loop/life.c, which aborts on "invariant violated") unless --bin-dir
names another build (say, of an older branch, to see a test fail there).

  tests/test_life.py [--bin-dir DIR] [--only NAME[,NAME]] [--list]

DIR holds natterd and natterd-smallpool (a message pool of 300 lines).
"""
import argparse, os, re, select, socket, struct, subprocess, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlib                                       # noqa: E402
from natlib import Server, Suite, adopt, open_socket   # noqa: E402

BIN = os.path.join(natlib.BUILD, "test", "natterd-checks")
SMALLPOOL = os.path.join(natlib.BUILD, "test", "natterd-smallpool")
RELEASE = natlib.binary("host")
TESTS = []


def test(fn):
    TESTS.append((fn.__name__, fn))
    return fn


class Srv:
    """A natterd for one test; it must still run at the end and exit 0."""

    def __init__(self, args=(), binary=None):
        self.server = Server("host", [str(a) for a in args], binary_path=binary or BIN)
        self.clients = []

    def __enter__(self):
        self.server.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        p = self.server.proc
        for c in self.clients:
            c.close()
        if p.poll() is not None:
            raise AssertionError("natterd died (status %s): %s"
                                 % (p.returncode, self.server.stderr()[-800:]))
        rc = self.server.stop()
        err = self.server.stderr()
        if exc_type is None and "invariant violated" in err:
            raise AssertionError("invariant violated: " + err[-800:])
        if exc_type is None and rc != 0:
            raise AssertionError("natterd exited %s on SIGTERM" % rc)
        return False

    def conn(self, **kw):
        c = self.server.connect(**kw)
        self.clients.append(c)
        return c


def stats_connections(c):
    c.say("/stats")
    while True:
        line = c.line()
        if line is None:
            raise AssertionError("observer was disconnected")
        m = re.match(r"= stats: uptime \d+s, connections (\d+)/", line)
        if m:
            return int(m.group(1))


def wait_connections(c, want, within):
    """Polls /stats until connections == want; returns the seconds taken."""
    t0 = time.time()
    while True:
        n = stats_connections(c)
        if n == want:
            return time.time() - t0
        if time.time() - t0 > within:
            raise AssertionError("connections stayed %d, not %d, for %.1f s" % (n, want, within))
        time.sleep(0.05)        # polling the server's count, not synchronising


def reset(sock):
    """Close with SO_LINGER 0: the server sees a reset."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def help_then_reset(port, n=300):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"/help\n" * n)
    reset(s)


@test
def help_flood_then_reset_frees_the_slot():
    """The reproduction: /help x300 unread, then RST; 30 times."""
    with Srv(["-w", "2"]) as srv:
        obs = srv.conn()
        for _ in range(30):
            help_then_reset(srv.server.port)
        took = wait_connections(obs, 1, 3.0)
        print("# 30 x (/help x300 + RST): back to 1 connection in %.2fs" % took)


@test
def reset_storm_beside_steady_chat():
    """4,000 connect (+ /help x300 for one in four) + RST from 8 threads
    while two clients chat (at least 50 lines, each within 5 s); then
    /stats connections is 2 within 2 s."""
    with Srv(["-w", "2"]) as srv:
        a, b = srv.conn(), srv.conn()
        a.expect(r"-- %s joined lobby" % re.escape(b.nick))
        join(a, "chat")
        join(b, "chat")
        a.expect(r"-- %s joined chat" % re.escape(b.nick))
        port = srv.server.port
        errors = []

        def storm(k):
            try:
                for i in range(500):
                    s = socket.create_connection(("127.0.0.1", port))
                    if i % 4 == 0:
                        s.sendall(b"/help\n" * 300)
                    reset(s)
            except OSError as e:
                errors.append(e)
        threads = [threading.Thread(target=storm, args=(k,)) for k in range(8)]
        t0 = time.time()
        for t in threads:
            t.start()
        said = worst = 0
        while any(t.is_alive() for t in threads) or said < 50:
            said += 1
            t1 = time.time()
            a.say("steady %d" % said)
            while True:       # b sees it, among join/leave lines of the storm
                line = b.line(timeout=5)
                if line == "<%s> steady %d" % (a.nick, said):
                    break
                if line is None:
                    raise AssertionError("chatter b was disconnected")
            worst = max(worst, time.time() - t1)
        for t in threads:
            t.join()
        storm_s = time.time() - t0
        if errors:
            raise AssertionError("storm client failed: %r" % errors[0])
        took = wait_connections(a, 2, 2.0)
        print("# storm of 4000 in %.1fs, %d chat lines, worst chat delay %.2fs; "
              "back to 2 connections in %.2fs" % (storm_s, said, worst, took))


def join(c, room):
    c.say("/join " + room)
    while True:
        line = c.line()
        if line is None or line.startswith("= join: you are in %s " % room):
            return


@test
def trickle_readers_do_not_stop_the_chat():
    """Three rooms, each with a feeder and a slow reader (1 KiB every
    0.3 s), and a 300-line pool: each reader pins its own room's lines.
    Unless what one client may hold is bounded, the pool runs dry and the
    chat of two others in their own room stops."""
    with Srv(["-w", "2", "--rate", "0"], binary=SMALLPOOL) as srv:
        a, b = srv.conn(), srv.conn()
        join(a, "chat")
        join(b, "chat")
        a.expect(r"-- %s joined chat" % re.escape(b.nick))
        readers, feeders = [], []
        for i in range(3):
            r = adopt(open_socket("127.0.0.1", srv.server.port, rcvbuf=2048))
            srv.clients.append(r)
            join(r, "slow%d" % i)
            f = srv.conn()
            join(f, "slow%d" % i)
            readers.append(r)
            feeders.append(f)
        stop = threading.Event()

        def trickle():
            while not stop.is_set():
                for r in readers:
                    try:
                        r.sock.setblocking(False)
                        r.sock.recv(1024)
                    except OSError:
                        pass
                stop.wait(0.3)

        def feed(f, i):
            try:
                for n in range(6000):
                    if stop.is_set():
                        return
                    f.say("%d %s" % (n, "f" * 480))
            except OSError:
                pass
        threads = [threading.Thread(target=trickle)]
        threads += [threading.Thread(target=feed, args=(f, i)) for i, f in enumerate(feeders)]
        for t in threads:
            t.start()
        try:
            time.sleep(1.0)     # let the feeders fill the readers' queues
            t0 = time.time()
            worst = 0
            for i in range(60):
                t1 = time.time()
                a.say("%d %s" % (i, "x" * 400))
                b.expect(r"<%s> %d x+" % (re.escape(a.nick), i), timeout=5)
                worst = max(worst, time.time() - t1)
            print("# 60 chat lines beside 3 trickle readers and a 300-line pool: "
                  "%.1fs, worst %.2fs" % (time.time() - t0, worst))
        finally:
            stop.set()
            for t in threads:
                t.join()


@test
def deferred_line_too_long_is_reported():
    """An over-long line that meets a full queue is reported once it fits."""
    with Srv([]) as srv:
        for n in range(100, 124):
            c = srv.conn()
            c.send(b"/help\n" * n + b"x" * 600 + b"\n/stats\n")
            helps = too_long = 0
            while True:
                line = c.line()
                if line is None:
                    raise AssertionError("disconnected after %d /help" % n)
                if line.startswith("= stats: "):
                    break
                helps += line.startswith("= help: ")
                too_long += line.startswith("! line-too-long: ")
            if (helps, too_long) != (n, 1):
                raise AssertionError("after %d /help and an over-long line: %d help "
                                     "replies, %d line-too-long" % (n, helps, too_long))
            c.close()


@test
def line_sent_while_waiting_for_the_lobby_is_answered():
    """A client whose join waited for a busy lobby (NEW, retried) still has
    what it sent meanwhile read: 64 clients send /stats as they connect
    while 40 lobby members flood it. Each must get its = stats: reply
    (before the fix, a client let in on a retry was never read again)."""
    with Srv(["--rate", "0"]) as srv:
        port = srv.server.port
        flood = b"".join(b"busy line %d with some text to fill the queues\n" % i for i in range(100))
        for rnd in range(5):
            busy = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(40)]
            news = []
            try:
                for b in busy:
                    b.setblocking(False)
                    try:
                        b.send(flood)
                    except BlockingIOError:
                        pass
                for _ in range(64):
                    s = socket.create_connection(("127.0.0.1", port), timeout=10)
                    s.sendall(b"/stats\n")
                    news.append(s)
                got = {s: b"" for s in news}
                answered = set()
                deadline = time.time() + 20
                while len(answered) < len(news) and time.time() < deadline:
                    waiting = [s for s in news if s not in answered]
                    ready, _, _ = select.select(busy + waiting, [], [], 0.5)
                    for s in ready:
                        try:
                            data = s.recv(65536)
                        except (BlockingIOError, ConnectionError):
                            data = b""
                        if s in got:
                            got[s] += data
                            if b"= stats: " in got[s] or not data:
                                answered.add(s)
                missing = [s for s in news if b"= stats: " not in got[s]]
                if missing:
                    raise AssertionError("round %d: %d of 64 clients got no reply to the /stats "
                                         "they sent while joining" % (rnd, len(missing)))
            finally:
                for s in busy + news:
                    s.close()


@test
def max_per_ip_holds_under_parallel_connects():
    """--max-per-ip 3 with 8 workers: 64 connects at once admit 3."""
    with Srv(["-w", "8", "--max-per-ip", "3"]) as srv:
        port = srv.server.port
        obs_sock = socket.socket()
        obs_sock.bind(("127.0.0.2", 0))
        obs_sock.connect(("127.0.0.1", port))
        obs = adopt(obs_sock)
        srv.clients.append(obs)
        worst = 0
        for rnd in range(30):
            socks = []
            for _ in range(64):
                s = socket.socket()
                s.setblocking(False)
                socks.append(s)
            for s in socks:
                try:
                    s.connect(("127.0.0.1", port))
                except BlockingIOError:
                    pass
            admitted = 0
            for s in socks:
                c = adopt(s, greet=False)
                line = c.line()
                admitted += bool(line and line.startswith("= welcome: "))
            worst = max(worst, admitted)
            if admitted != 3:
                raise AssertionError("round %d: %d of 64 parallel connects admitted, "
                                     "not 3" % (rnd, admitted))
            for s in socks:
                s.close()
            wait_connections(obs, 1, 5.0)


@test
def output_marked_in_tick_is_not_held():
    """The idle timeout fires in the tick; its `! idle` line must not wait
    for the next tick (1 s). With --idle-timeout 1, lines arrive 1 to 2 s
    after the last input if written at once, 2 to 3 s if held."""
    with Srv(["-w", "1", "--idle-timeout", "1"]) as srv:
        waits = []
        for _ in range(6):
            c = srv.conn()
            t0 = time.time()
            while True:
                line = c.line(timeout=5)
                if line is None:
                    raise AssertionError("closed before `! idle`")
                if line.startswith("! idle: "):
                    break
            waits.append(time.time() - t0)
            c.close()
        avg = sum(waits) / len(waits)
        print("# `! idle` after %s s (avg %.2f)" % (" ".join("%.2f" % w for w in waits), avg))
        if avg >= 2.0:
            raise AssertionError("`! idle` came %.2f s after the last input on average: "
                                 "held until the next tick" % avg)


@test
def ping_pong_never_waits_for_the_next_line():
    """Lost wake-up stress: two clients on two workers bounce 3,000 lines;
    a line left queued until the next one comes would stall the bounce.
    This can show the bug only if the reordering happens; it cannot prove
    its absence."""
    with Srv(["-w", "2"]) as srv:
        a, b = srv.conn(), srv.conn()
        a.expect(r"-- %s joined lobby" % re.escape(b.nick))
        worst = 0
        for i in range(1500):
            for x, y in ((a, b), (b, a)):
                t1 = time.time()
                x.say("p%d" % i)
                y.expect(r"<%s> p%d" % (re.escape(x.nick), i), timeout=2)
                worst = max(worst, time.time() - t1)
        print("# 3000 bounced lines, worst %.3fs" % worst)


@test
def release_build_has_no_peek_and_no_sweep():
    path = RELEASE
    data = open(path, "rb").read()
    for s in (b"quiet-client", b"invariant violated"):
        if s in data:
            raise AssertionError("%s holds %r" % (path, s))


def main():
    global BIN, SMALLPOOL, RELEASE
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir")
    ap.add_argument("--only")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    if args.bin_dir:
        BIN = os.path.join(args.bin_dir, "natterd")
        SMALLPOOL = os.path.join(args.bin_dir, "natterd-smallpool")
        RELEASE = BIN
    if args.list:
        for name, _ in TESTS:
            print(name)
        return 0
    natlib.raise_fd_limit()
    only = set(args.only.split(",")) if args.only else None
    suite = Suite("life: ")
    for name, fn in TESTS:
        if only is None or name in only:
            suite.run(name, fn)
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
