#!/usr/bin/env python3
"""A connection's life (issue 9): every slot in use gets somewhere.

Runs natterd-checks (build/test: the release code plus the invariant sweep
of src/loop/life.c, which aborts on "invariant violated") unless --bin-dir
names another build (say, of an older branch, to see a test fail there).

  tests/test_life.py [--bin-dir DIR] [--only NAME[,NAME]] [--list]

DIR holds natterd and natterd-smallpool (a message pool of 300 lines).
"""
import argparse, os, re, socket, struct, subprocess, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlib                                       # noqa: E402
from natlib import TestServer, Suite, adopt, open_socket   # noqa: E402

BIN = os.path.join(natlib.BUILD, "test", "natterd-checks")
SMALLPOOL = os.path.join(natlib.BUILD, "test", "natterd-smallpool")
RELEASE = natlib.binary("host")
TESTS = []


def test(fn):
    TESTS.append((fn.__name__, fn))
    return fn


def Srv(args=(), binary=None, env=None):
    """natlib.TestServer of natterd-checks (or binary); env: NATTER_TEST_*
    hooks (src/util/testhook.h) added to ours."""
    return TestServer("host", args, binary_path=binary or BIN,
                      env=dict(os.environ, **env) if env else None)


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


def chat_beside_slow_readers(srv, prefix, n):
    """Two chatters in room chat, and n rooms PREFIX0.. each with a reader
    whose receive buffer is 2 KiB and a feeder: (a, b, readers, feeders)."""
    a, b = srv.conn(), srv.conn()
    join(a, "chat")
    join(b, "chat")
    a.expect(r"-- %s joined chat" % re.escape(b.nick))
    readers, feeders = [], []
    for i in range(n):
        r = adopt(open_socket("127.0.0.1", srv.server.port, rcvbuf=2048))
        srv.clients.append(r)
        join(r, "%s%d" % (prefix, i))
        f = srv.conn()
        join(f, "%s%d" % (prefix, i))
        readers.append(r)
        feeders.append(f)
    return a, b, readers, feeders


@test
def trickle_readers_do_not_stop_the_chat():
    """Three rooms, each with a feeder and a slow reader (1 KiB every
    0.3 s), and a 300-line pool: each reader pins its own room's lines.
    Unless what one client may hold is bounded, the pool runs dry and the
    chat of two others in their own room stops."""
    with Srv(["-w", "2", "--rate", "0"], binary=SMALLPOOL) as srv:
        a, b, readers, feeders = chat_beside_slow_readers(srv, "slow", 3)
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


PIN_READERS = 4
PIN_OUTSTANDING = 100   # lines sent to a reader and not yet read by it


@test
def pool_pinned_by_trickle_readers():
    """Four rooms, each with a reader that takes 512 bytes every 0.25 s and
    a feeder that keeps 100 lines on their way to it: fewer than a full
    queue (240), so it is never cut as not reading, and it makes progress
    every second or so, so it is never cut as stalled. natterd's send
    buffers are small (test hook NATTER_TEST_SNDBUF=4096; loopback would
    take most of the 100 otherwise), so each reader's queue holds about
    80 lines: 320 of the 172 lines a 300-line pool has for messages.
    Meanwhile two others chat in their own room: 40 lines, each seen within
    2 s and all within 10 s. Unless what a blocked client may hold while
    the pool runs low is bounded, the pool stays dry and every line of the
    chat waits for one the trickle frees."""
    env = {"NATTER_TEST_SNDBUF": "4096"}
    with Srv(["-w", "2", "--rate", "0"], binary=SMALLPOOL, env=env) as srv:
        a, b, readers, feeders = chat_beside_slow_readers(srv, "pin", PIN_READERS)
        got = [0] * PIN_READERS       # lines each reader has read
        gone = [False] * PIN_READERS  # at its EOF (after a cut)
        stop = threading.Event()

        def trickle():
            while not stop.is_set():
                for i, r in enumerate(readers):
                    if gone[i]:
                        continue
                    try:
                        r.sock.setblocking(False)
                        data = r.sock.recv(512)
                    except BlockingIOError:
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        gone[i] = True
                    got[i] += data.count(b"\n")
                stop.wait(0.25)

        def feed(i, f):
            sent = 0
            try:
                while not stop.is_set() and not gone[i]:
                    if sent - got[i] >= PIN_OUTSTANDING:
                        stop.wait(0.02)
                        continue
                    f.say("%d %s" % (sent, "p" * 480))
                    sent += 1
            except OSError:
                pass
        threads = [threading.Thread(target=trickle)]
        threads += [threading.Thread(target=feed, args=(i, f)) for i, f in enumerate(feeders)]
        for t in threads:
            t.start()
        try:
            time.sleep(3.0)     # the feeders put their 100 lines on the way
            t0 = time.time()
            worst = 0
            for i in range(40):
                t1 = time.time()
                a.say("%d %s" % (i, "x" * 400))
                b.expect(r"<%s> %d x+" % (re.escape(a.nick), i), timeout=10)
                worst = max(worst, time.time() - t1)
            took = time.time() - t0
            # The bound acted: readers were cut (else the pool never ran
            # low, and this test showed nothing).
            nicks = "|".join(re.escape(r.nick) for r in readers)
            srv.server.wait_log(r"disconnect \S+ (%s): too slow" % nicks, timeout=3)
            cut = len(re.findall(r"disconnect \S+ (?:%s): too slow" % nicks, srv.server.stderr()))
            print("# 40 chat lines beside %d trickle readers (%d cut as too slow) and a "
                  "300-line pool: %.2fs, worst %.2fs; the readers read %s lines"
                  % (PIN_READERS, cut, took, worst, got))
            if worst > 2.0 or took > 10.0:
                raise AssertionError("the chat waited for the pool: 40 lines in %.1f s, "
                                     "worst %.1f s" % (took, worst))
            if cut == 0:
                raise AssertionError("no trickle reader was cut: the pool never ran low")
        finally:
            stop.set()
            for t in threads:
                t.join()


@test
def reply_with_no_room_cuts_the_client():
    """A reply that finds no queue room is never dropped: its client is cut
    as too slow, and its room is told. Room was checked before /stats ran,
    but others may fill the queue before the reply is queued: the test hook
    NATTER_TEST_STATS_PAUSE_US widens that gap to 300 ms, while four
    clients in c's room change nicks 300 times each (events of 53 bytes,
    which may use the whole queue of 256), so c's queue is full when its
    reply comes if one of them runs on the other worker. c's own worker
    then writes the queue before it gives up (core/deliver.c), so the
    reply finds no room only if c's socket is full too: c's receive
    buffer is 2 KiB and natterd's send buffer 2 KiB (test hook
    NATTER_TEST_SNDBUF), less than a full queue. c must then get
    `= stats:` or be cut (`! too-slow:`, and `-- c disconnected (too
    slow)` in the room); the old tell() dropped the reply and left c
    waiting for it. Up to 8 attempts; at least one must find the queue
    full."""
    hits = 0
    env = {"NATTER_TEST_STATS_PAUSE_US": "300000", "NATTER_TEST_SNDBUF": "2048"}
    with Srv(["-w", "2", "--rate", "0"], env=env) as srv:
        for attempt in range(8):
            room = "full%d" % attempt
            c, o = srv.conn(rcvbuf=2048), srv.conn()
            # In a burst, so some land on the other worker: one at a time
            # they all join c's (natlib.connect_burst), whose own writes
            # then make room for the reply, and the attempt shows nothing.
            flooders = natlib.connect_burst(srv.server, 4)
            srv.clients.extend(flooders)
            for x in [c, o] + flooders:
                join(x, room)
            for x in [c, o] + flooders:
                x.buf = b""     # events of the joins: not what this test reads
            c.say("/stats")
            time.sleep(0.05)    # no reply to wait for: c's worker is in the pause
            for k, f in enumerate(flooders):
                f.send("".join("/nick f%d%s%d_padded_nick\n" % (attempt, "ab"[i % 2], k)
                               for i in range(300)).encode())
            while True:
                try:
                    reply = c.line(timeout=5)
                except TimeoutError:
                    raise AssertionError("attempt %d: /stats got neither its reply nor a cut "
                                         "in 5 s: the reply was dropped" % (attempt + 1))
                if reply is None or reply.startswith(("= stats: ", "! too-slow: ")):
                    break
            if reply is None or reply.startswith("! too-slow: "):
                hits += 1
                o_line = None
                while o_line != "-- %s disconnected (too slow)" % c.nick:
                    o_line = o.line(timeout=5)
                    if o_line is None:
                        raise AssertionError("the observer was closed")
            for x in [c, o] + flooders:
                x.close()
            if hits:
                print("# the reply found a full queue at attempt %d: the client was cut" % (attempt + 1))
                return
    raise AssertionError("in 8 attempts the /stats reply never found a full queue: "
                         "the test showed nothing")


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


def parallel_connects(port, n):
    """n connects to port started at once; how many were greeted."""
    socks = []
    for _ in range(n):
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
    for s in socks:
        s.close()
    return admitted


def max_per_ip_rounds(env, rounds):
    with Srv(["-w", "8", "--max-per-ip", "3"], env=env) as srv:
        port = srv.server.port
        obs_sock = socket.socket()
        obs_sock.bind(("127.0.0.2", 0))
        obs_sock.connect(("127.0.0.1", port))
        obs = adopt(obs_sock)
        srv.clients.append(obs)
        for rnd in range(rounds):
            admitted = parallel_connects(port, 64)
            if admitted != 3:
                raise AssertionError("round %d: %d of 64 parallel connects admitted, "
                                     "not 3" % (rnd, admitted))
            wait_connections(obs, 1, 5.0)


@test
def max_per_ip_holds_under_parallel_connects():
    """--max-per-ip 3 with 8 workers: 64 connects at once admit 3."""
    max_per_ip_rounds(None, 30)


@test
def max_per_ip_holds_with_a_wide_window():
    """The same, with a 2 ms pause between the count of an address and the
    allocation of its slot (test hook NATTER_TEST_PER_PEER_PAUSE_US): if
    the two were not under one lock, every worker woken meanwhile would
    pass the count. Without the hook the window is a few instructions and
    the test above passes on the old code too."""
    max_per_ip_rounds({"NATTER_TEST_PER_PEER_PAUSE_US": "2000"}, 5)


@test
def input_sent_while_the_lobby_waits_is_read():
    """A client that sends before its greeting, while the lobby cannot take
    it yet (NEW waits; test hook NATTER_TEST_LOBBY_BUSY_MS holds the lobby
    busy for each connection's first 100 ms), is answered once it is in:
    its read edge came while it waited and no other will come. Before the
    fix, NEW -> OPEN on a retry did not read, and `/stats` went unanswered
    (the 256-room history step of the benchmark saw this as an unanswered
    `/join`; natterd-checks aborted with "has input to read but is not
    listed")."""
    with Srv(["-w", "2"], env={"NATTER_TEST_LOBBY_BUSY_MS": "100"}) as srv:
        for i in range(20):
            s = socket.create_connection(("127.0.0.1", srv.server.port))
            s.sendall(b"/stats\n")
            c = adopt(s, greet=False)
            srv.clients.append(c)
            first = c.line(timeout=5)
            if not first or not first.startswith("= welcome: "):
                raise AssertionError("client %d: first line %r" % (i, first))
            line = c.line(timeout=5)
            if not line or not line.startswith("= stats: "):
                raise AssertionError("client %d: its /stats, sent before its greeting, got %r "
                                     "(none in 5 s)" % (i, line))
            c.close()


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
def every_member_of_a_big_room_gets_every_line():
    """A room of 600 members: their slots span ten words of the dirty maps,
    more than a producer's mark batch holds per worker (MARK_WAYS, 4), so
    each line's pushes evict gathered words (loop/worker.c: mark_batch_add)
    and they are marked then. Four senders say 10 lines each; every member
    gets all 40, once and in order. A word evicted unmarked leaves its
    members' queues unwritten: greetings, joins or lines never come (with
    that slip planted, 8 runs of 8 failed so)."""
    n, senders, m = 600, 4, 10
    with Srv(["-c", "1024"]) as srv:
        members = natlib.connect_burst(srv.server, n)
        talkers = members[:senders]
        lines = {c: "".join("x0 %s %d\n" % (c.nick, k) for k in range(m)).encode()
                 for c in talkers}
        got = natlib.pump(sends={c: iter([b]) for c, b in lines.items()},
                          reads={c: (senders - 1 if c in talkers else senders) * m for c in members},
                          timeout=natlib.TIMEOUT * 4)
        for c in members:
            others = [t.nick for t in talkers if t is not c]
            natlib.check_each_sender(c.nick, got[c], "x0", others, m)
        print("# %d members, %d lines each, every one once and in order" % (n, senders * m))


def copied_runs_through(binary, count):
    """count lines of 1 to 510 bytes (with its nick, some over the 512 that
    are copied) from a feeder while the reader (natterd's send buffer
    4 KiB) reads nothing; then the reader takes them 100 bytes at a time:
    every line whole, once, in order. Returns the bytes."""
    with Srv(["-w", "2", "--rate", "0"], binary=binary, env={"NATTER_TEST_SNDBUF": "4096"}) as srv:
        reader, feeder = srv.conn(), srv.conn()
        join(reader, "runs")
        join(feeder, "runs")
        reader.expect(r"-- %s joined runs" % re.escape(feeder.nick))
        want = []
        for i in range(count):
            n = 1 + (i * 97) % 510
            head = "%d:" % i           # unique, and at least the line's first bytes
            text = (head + chr(ord("a") + i % 26) * n)[:max(n, len(head))]
            feeder.say(text)
            want.append("<%s> %s" % (feeder.nick, text))
        feeder.say("/stats")          # all were read by natterd once this answers
        feeder.expect(r"= stats: .*", timeout=10)
        sock = reader.sock
        sock.settimeout(10)
        buf = reader.buf
        got = []
        while len(got) < len(want):
            data = sock.recv(100)
            if not data:
                raise AssertionError("reader closed after %d of %d lines" % (len(got), len(want)))
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                line = line.decode()
                if line.startswith("<%s> " % feeder.nick):
                    got.append(line)
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                raise AssertionError("line %d: got %r, want %r" % (i, g[:60], w[:60]))
        return sum(len(w) + 1 for w in want)


@test
def copied_runs_arrive_whole_through_partial_writes():
    """A queue goes to the kernel as runs of lines copied end to end, the
    longest lines on their own (loop/flush.c, join_lines), and a partial
    write ends anywhere in a run. 200 lines through the release sizes
    (256 KiB of copy bytes), then 100 through natterd-smallpool's 4 KiB,
    which a batch uses up: the lines after go as they are. (Fewer there:
    its 300-line pool runs low past about 130 queued, and a blocked
    reader is then cut.)"""
    size = copied_runs_through(BIN, 200)
    print("# 200 lines of 1-510 bytes, %d bytes, through a 4 KiB send buffer: all whole" % size)
    size = copied_runs_through(SMALLPOOL, 100)
    print("# 100 lines, %d bytes, with 4 KiB of copy bytes: all whole" % size)


@test
def release_build_has_no_peek_and_no_sweep():
    """The release build holds neither the old quiet-client peek, nor the
    invariant sweep, nor any test hook (src/util/testhook.h)."""
    path = RELEASE
    data = open(path, "rb").read()
    for s in (b"quiet-client", b"invariant violated", b"NATTER_TEST_"):
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
