#!/usr/bin/env python3
"""Room history (PROTOCOL.md 1.1, "Room history") over real sockets.

Every test starts its own natterd (natlib.Server: -p 0 -b 127.0.0.1 -q) and
talks to it with natlib.Client. No sleeps for synchronisation: a client's
lines are known to be accepted once a later reply of its own arrives (the
server handles one client's lines in order).

  tests/test_history.py [--target host|armhf|armel|aarch64] [--only NAME] [--list]

Under qemu (any target but host) every timeout is multiplied (SCALE).
"""
import argparse, calendar, os, random, re, select, subprocess, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlib                                       # noqa: E402
from natlib import Server, TestServer, Suite, Skip, barrier, connect_lobby, lines_until   # noqa: E402

TARGET = "host"
SCALE = 1.0
TESTS = []

LINE_RE = r"= history: (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) (.*)"
STAMP = "%Y-%m-%dT%H:%M:%SZ"


def test(fn):
    TESTS.append((fn.__name__, fn))
    return fn


def Srv(args=(), **kw):
    """natlib.TestServer for TARGET."""
    return TestServer(TARGET, args, **kw)


def plural(n):
    return "1 line" if n == 1 else "%d lines" % n


def history(c, ask="/history", room=None):
    """Sends ask; returns [(time string, text)] of the reply, checking every
    line's form and the closing line's count (and room, if given)."""
    c.say(ask)
    got = []
    while True:
        line = c.line()
        if line is None:
            raise AssertionError("EOF inside a /history reply")
        m = re.fullmatch(LINE_RE, line)
        if m:
            got.append((m.group(1), m.group(2)))
            continue
        m = re.fullmatch(r"= history: ([a-z0-9_-]+) \((\d+) lines?\)", line)
        if not m:
            raise AssertionError("%s: %r inside a /history reply (after %d lines)" % (c.nick, line, len(got)))
        if line != "= history: %s (%s)" % (m.group(1), plural(len(got))):
            raise AssertionError("closing line %r after %d lines" % (line, len(got)))
        if room is not None and m.group(1) != room:
            raise AssertionError("closing line %r names the wrong room (want %s)" % (line, room))
        return got


def texts(h):
    return [t for _, t in h]


def join(c, room):
    c.say("/join " + room)
    c.expect(r"= join: you are in %s \(\d+ users?\)" % re.escape(room))


def send_all(c, lines, hear=()):
    """c sends lines in one write; returns once the server handled them all
    (its /history 1 reply, queued after them, has come back) and each
    client in `hear` has received them, in order."""
    c.send("".join(l + "\n" for l in lines) + "/history 1\n")
    lines_until(c, r"= history: [a-z0-9_-]+ \(\d lines?\)", timeout=natlib.TIMEOUT * 3)
    for h in hear:
        for l in lines:
            h.expect(re.escape("<%s> %s" % (c.nick, l[1:] if l.startswith("//") else l)))


def version_text():
    return subprocess.run(natlib.emulator(TARGET) + [natlib.binary(TARGET), "--version"],
                          stdout=subprocess.PIPE, text=True, timeout=natlib.TIMEOUT).stdout


def want_usage(c, ask):
    c.say(ask)
    line = c.line()
    if not (line or "").startswith("! usage: "):
        raise AssertionError("%r: expected a usage error, got %r" % (ask, line))
    if "/history" not in line:
        raise AssertionError("%r: the usage error does not show /history: %r" % (ask, line))


# --------------------------------------------------------------------------

@test
def empty_room_zero_lines():
    with Srv() as s:
        a = s.conn()
        for ask in ("/history", "/history 5", "/HISTORY", "/History 1   ", "/history   "):
            if history(a, ask, "lobby") != []:
                raise AssertionError("%s in an empty lobby sent lines" % ask)
        join(a, "Kitchen".lower())
        if history(a, room="kitchen") != []:
            raise AssertionError("a new room has history")


@test
def help_names_history():
    with Srv() as s:
        a = s.conn()
        a.say("/help")
        line = a.line()
        if not re.fullmatch(r"= help: .*/history.*", line or ""):
            raise AssertionError("/help does not name /history: %r" % line)


@test
def formats_one_line_and_utc_times():
    # TZ set to nine hours east: the server must still stamp UTC.
    env = dict(os.environ, TZ="JST-9")
    with Srv(env=env) as s:
        a, b = s.lobby(2)
        t0 = int(time.time())
        a.say("hello there")
        b.expect(r"<%s> hello there" % a.nick)
        h = history(b, room="lobby")               # closing "(1 line)"
        t1 = int(time.time())
        if texts(h) != ["<%s> hello there" % a.nick]:
            raise AssertionError("history %r" % h)
        a.say("/me waves  ")
        b.expect(r"\* %s waves  " % a.nick)
        a.say("// slash and   spaces ")
        b.expect(r"<%s> / slash and   spaces " % a.nick)
        h = history(b, room="lobby")
        want = ["<%s> hello there" % a.nick, "* %s waves  " % a.nick,
                "<%s> / slash and   spaces " % a.nick]
        if texts(h) != want:
            raise AssertionError("history %r, want %r" % (texts(h), want))
        for stamp, _ in h:
            t = calendar.timegm(time.strptime(stamp, STAMP))
            if not t0 - 2 <= t <= int(time.time()) + 2:
                raise AssertionError("time %s is not the UTC time of sending (%s..%s)"
                                     % (stamp, time.strftime(STAMP, time.gmtime(t0)),
                                        time.strftime(STAMP, time.gmtime(t1))))
        # the sender sees its own lines in history too
        if texts(history(a, "/history 9999")) != want:
            raise AssertionError("sender's /history differs")


@test
def n_bounds_and_usage():
    with Srv() as s:
        a, b = s.lobby(2)
        send_all(a, ["m%d" % i for i in range(10)], [b])
        every = texts(history(b, room="lobby"))
        if every != ["<%s> m%d" % (a.nick, i) for i in range(10)]:
            raise AssertionError("history %r" % every)
        for n, want in ((1, every[-1:]), (3, every[-3:]), (10, every), (11, every),
                        (9999, every)):
            got = texts(history(b, "/history %d" % n))
            if got != want:
                raise AssertionError("/history %d gave %r" % (n, got))
        if texts(history(b, "/history 0003")) != every[-3:]:
            raise AssertionError("/history 0003 is not the last 3")
        for ask in ("/history 0", "/history 10000", "/history -1", "/history +1", "/history 1.5",
                    "/history abc", "/history 3x", "/history 1 2", "/history 2 two",
                    "/history 99999999999999999999", "/HISTORY 0"):
            want_usage(b, ask)
        b.say("/history\t3")                       # a TAB is part of the word
        b.expect(r"! unknown-command: .*")
        barrier(a, b)


@test
def at_least_50_kept_and_the_last_ones():
    with Srv() as s:
        a, b = s.lobby(2)
        send_all(a, ["line %d" % i for i in range(130)], [b])
        h = texts(history(b, room="lobby"))
        if len(h) < 50:
            raise AssertionError("only %d lines kept by default" % len(h))
        want = ["<%s> line %d" % (a.nick, i) for i in range(130 - len(h), 130)]
        if h != want:
            raise AssertionError("kept lines are not the last %d: %r..." % (len(h), h[:2]))
        if texts(history(b, "/history 50")) != want[-50:]:
            raise AssertionError("/history 50 is not the last 50")


@test
def history_setting_limits():
    with Srv(["--history", "5"]) as s:
        a, b = s.lobby(2)
        send_all(a, ["x%d" % i for i in range(12)], [b])
        if texts(history(b)) != ["<%s> x%d" % (a.nick, i) for i in range(7, 12)]:
            raise AssertionError("--history 5 did not keep the last 5")
    with Srv(["--history", "0"]) as s:
        a, b = s.lobby(2)
        send_all(a, ["x%d" % i for i in range(3)], [b])
        if history(b, room="lobby") != [] or history(b, "/history 2") != []:
            raise AssertionError("--history 0 kept lines")
    out = version_text()
    m = re.search(r"history (\d+) lines", out)
    if not m or int(m.group(1)) < 50:
        raise AssertionError("--version does not name a history maximum >= 50: %r" % out)
    top = int(m.group(1))
    with Srv(["--history", top]) as s:
        a, b = s.lobby(2)
        send_all(a, ["y%d" % i for i in range(top + 7)], [b])
        if texts(history(b)) != ["<%s> y%d" % (a.nick, i) for i in range(7, top + 7)]:
            raise AssertionError("--history %d (the maximum) did not keep the last %d" % (top, top))
    r = Server(TARGET, ["--history", str(top + 1)])
    try:
        r.start(timeout=natlib.TIMEOUT)
        r.stop()
        raise AssertionError("--history %d (over the maximum) was accepted" % (top + 1))
    except RuntimeError as e:
        if "exited 2" not in str(e):
            raise


@test
def no_events_replies_or_private_messages():
    with Srv() as s:
        a, b = s.lobby(2)
        a.say("/nick Alice")
        a.expect(r"= nick: you are now Alice")
        b.expect(r"-- .* is now known as Alice")
        a.say("/msg %s psst" % b.nick)
        b.expect(r"\*Alice\* psst")
        for cmd in ("/who", "/rooms", "/stats", "/help", "/bogus", "/join lobby"):
            a.say(cmd)
            a.line()
        a.say("said")
        b.expect(r"<Alice> said")
        c = s.conn()
        b.expect(r"-- %s joined lobby" % c.nick)
        a.expect(r"-- %s joined lobby" % c.nick)
        c.say("/quit bye")
        c.eof()
        b.expect(r"-- %s quit \(bye\)" % c.nick)
        if texts(history(b)) != ["<Alice> said"]:
            raise AssertionError("history holds more than the room message")


@test
def a_room_ends_with_its_history():
    with Srv() as s:
        a, b = s.lobby(2)
        join(a, "den")
        b.expect(r"-- %s left lobby" % a.nick)
        join(b, "den")
        a.expect(r"-- %s joined den" % b.nick)
        send_all(a, ["before"], [b])
        join(a, "lobby")
        b.expect(r"-- %s left den" % a.nick)
        # b still holds the room: its history stays
        if texts(history(b, room="den")) != ["<%s> before" % a.nick]:
            raise AssertionError("history lost while the room had a member")
        join(b, "lobby")                        # the last member leaves: den ends
        a.expect(r"-- %s joined lobby" % b.nick)
        join(a, "den")
        b.expect(r"-- %s left lobby" % a.nick)
        if history(a, room="den") != []:
            raise AssertionError("a room that ended kept its history")
        send_all(a, ["alone"])                  # accepted, reaches no one, kept
        if texts(history(a, room="den")) != ["<%s> alone" % a.nick]:
            raise AssertionError("a line to a room where one is alone is not kept")
        if history(b, room="lobby") != []:
            raise AssertionError("lobby history holds den's lines")


@test
def lobby_history_lasts():
    with Srv() as s:
        a = s.conn()
        send_all(a, ["first", "second"])
        a.say("/quit")
        a.eof()
        b = s.conn()                            # the lobby was empty meanwhile
        if texts(history(b, room="lobby")) != ["<%s> first" % a.nick, "<%s> second" % a.nick]:
            raise AssertionError("the lobby lost its history when it emptied")


@test
def snapshot_under_concurrent_senders():
    # The asker receives every line of the room live. The rule: its reply is
    # contiguous in its stream and equals the last lines it got before the
    # reply, so nothing it gets after the reply is in the reply.
    rounds = 80 if TARGET == "host" else 20
    # Eight senders connected at once and four workers, so the senders are
    # spread over workers other than the asker's.
    with Srv(["-w", 4]) as s:       # the rate limit paces the senders: 200 lines/s each
        asker = s.conn()
        join(asker, "snap")
        senders = [None] * 8

        def connect(k):
            senders[k] = s.server.connect()
        ts = [threading.Thread(target=connect, args=(k,)) for k in range(len(senders))]
        for t in ts:
            t.start()
        for t in ts:
            t.join(natlib.TIMEOUT)
        s.clients.extend(c for c in senders if c)
        for k, c in enumerate(senders):
            if c is None:
                raise AssertionError("sender %d did not connect" % k)
            c.say("/join snap")             # after the other senders' lobby events
            lines_until(c, r"= join: you are in snap \(\d+ users\)")
            lines_until(asker, r"-- %s joined snap" % re.escape(c.nick))
        stop = threading.Event()
        errors = []
        rng = random.Random(7)

        def blast(c, tag):
            i = 0
            try:
                while not stop.is_set():
                    c.send("".join("%s %d\n" % (tag, i + k) for k in range(2)))
                    i += 2
                    # pacing (not synchronisation), random so that lines
                    # keep arriving while the server answers /history
                    stop.wait(rng.uniform(0, 0.02))
                    while select_readable(c):
                        c.sock.recv(65536)      # others' lines and events: not checked
            except OSError as e:
                if not stop.is_set():
                    errors.append(e)

        threads = [threading.Thread(target=blast, args=(c, "s%d" % k), daemon=True)
                   for k, c in enumerate(senders)]
        for t in threads:
            t.start()
        live = []
        checked = 0
        try:
            for rnd in range(rounds):
                for _ in range(25):             # the room moves on between asks
                    line = asker.line()
                    if line is None or not line.startswith("<"):
                        raise AssertionError("asker got %r" % line)
                    live.append(line)
                time.sleep(rng.uniform(0, 0.01))   # ask at a random moment
                asker.say("/history")
                # live lines until the reply begins
                while True:
                    line = asker.line()
                    if line is None:
                        raise AssertionError("asker cut off")
                    if line.startswith("= history: "):
                        break
                    live.append(line)
                reply = [line]
                while not re.fullmatch(r"= history: snap \(\d+ lines?\)", reply[-1]):
                    nxt = asker.line()
                    if nxt is None or not nxt.startswith("= history: "):
                        raise AssertionError("round %d: %r inside the /history reply" % (rnd, nxt))
                    reply.append(nxt)
                got = [re.fullmatch(LINE_RE, l).group(2) for l in reply[:-1]]
                want = live[-len(got):] if got else []
                if len(got) < min(50, len(live)):
                    raise AssertionError("round %d: only %d lines in history" % (rnd, len(got)))
                if got != want:
                    raise AssertionError("round %d: history is not the room as it was: last "
                                         "history %r, last live before it %r"
                                         % (rnd, got[-2:], want[-2:]))
                checked += len(got) > 0
        finally:
            stop.set()
            for t in threads:
                t.join(natlib.TIMEOUT)
        if errors:
            raise AssertionError("sender error: %r" % errors[0])
        if checked < rounds // 2:
            raise AssertionError("only %d of %d rounds had lines to compare" % (checked, rounds))


def select_readable(c):
    r, _, _ = select.select([c.sock], [], [], 0)
    return bool(r)


@test
def replies_wait_for_queue_room_never_cut():
    # Twenty full-size replies (the build's maximum history) asked at once:
    # each needs most of a queue, so they wait for room in turn; every one
    # arrives whole.
    top = int(re.search(r"history (\d+) lines", version_text()).group(1))
    with Srv(["-r", "0", "--history", top]) as s:
        a, b = s.lobby(2)
        send_all(a, ["fill %d" % i for i in range(top)], [b])
        want = ["<%s> fill %d" % (a.nick, i) for i in range(top)]
        b.send("/history\n" * 20)
        for k in range(20):
            got = []
            while True:
                line = b.line()
                if line == "= history: lobby (%d lines)" % top:
                    break
                m = re.fullmatch(LINE_RE, line or "")
                if not m:
                    raise AssertionError("reply %d: unexpected %r" % (k, line))
                got.append(m.group(2))
            if got != want:
                raise AssertionError("reply %d has %d lines, not the %d kept" % (k, len(got), top))
        barrier(b)


def fill_rooms(s, rooms, per_room):
    """One client in each of rooms, each sending per_room lines there."""
    cs = []
    for r in rooms:
        c = s.conn()
        join(c, r)
        c.send("".join("%s line %d\n" % (r, i) for i in range(per_room)))
        cs.append(c)
    for c, r in zip(cs, rooms):
        h = history(c, "/history 9999", r)
        if len(h) < min(per_room, 50) or h[-1][1] != "<%s> %s line %d" % (c.nick, r, per_room - 1):
            raise AssertionError("room %s: history %d lines, last %r" % (r, len(h), h[-1:]))
    return cs


@test
def full_histories_hold_no_pool_slots():
    # natterd-smallpool has 300 message-pool slots. Histories far bigger
    # than that (40 rooms x 50 lines) must not stop live messages: history
    # holds copies, not pool slots.
    path = os.path.join(natlib.BUILD, "test", "natterd-smallpool")
    if TARGET != "host":
        raise natlib.Cannot("the small-pool build is host only")
    if not os.path.exists(path):
        raise Skip("%s is missing (make test-builds)" % path)
    with Srv(["-r", "0"], binary_path=path) as s:
        fill_rooms(s, ["r%d" % i for i in range(40)], 60)
        talker, l1, l2 = s.lobby(3)
        talker.send("".join("live %d\n" % i for i in range(2000)))
        for l in (l1, l2):
            for i in range(2000):
                l.expect(r"<%s> live %d" % (talker.nick, i))
        if len(history(l1, room="lobby")) < 50:
            raise AssertionError("lobby history not kept")


@test
def every_room_full_still_carries_live_messages():
    m = re.search(r"(\d+) rooms", version_text())
    rooms = int(m.group(1))
    with Srv(["-r", "0", "-c", rooms + 16]) as s:
        fill_rooms(s, ["f%d" % i for i in range(rooms - 1)], 55)    # + lobby = every room
        talker, l1, l2 = s.lobby(3)
        send_all(talker, ["lobby %d" % i for i in range(55)], [l1, l2])
        n = 3000 if TARGET == "host" else 600
        t0 = time.time()
        talker.send("".join("live %d\n" % i for i in range(n)))
        for l in (l1, l2):
            for i in range(n):
                l.expect(r"<%s> live %d" % (talker.nick, i))
        took = time.time() - t0
        if took > 10 * SCALE:
            raise AssertionError("%d live lines took %.1fs with every history full" % (n, took))
        if TARGET == "host":
            kib = s.server.rss_kib()
            print("# every room's history full (%d rooms): natterd RSS %d KiB" % (rooms, kib), flush=True)


@test
def unused_rooms_cost_no_memory():
    if TARGET != "host":
        raise natlib.Cannot("RSS under qemu is the emulator's")
    with Srv(["--history", "100"]) as s:
        a = s.conn()
        before = s.server.rss_kib()
        # 256 rooms x 100 lines x ~540 bytes is ~13 MiB of storage: a fresh
        # server must not have it resident.
        if before > 8 * 1024:
            raise AssertionError("fresh natterd RSS %d KiB: history storage is resident" % before)
        send_all(a, ["z" * 400] * 100)
        after = s.server.rss_kib()
        if after - before > 1024:
            raise AssertionError("one room's full history grew RSS by %d KiB" % (after - before))


# --------------------------------------------------------------------------

def main():
    global TARGET, SCALE
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--target", default="host",
                    choices=("host", "armhf", "armel", "aarch64", "asan", "tsan", "memcheck"))
    ap.add_argument("--only", help="comma-separated test names (substring match)")
    ap.add_argument("--list", action="store_true")
    opt = ap.parse_args()
    TARGET = opt.target
    tests = TESTS
    if opt.only:
        pats = opt.only.split(",")
        tests = [(n, f) for n, f in tests if any(p in n for p in pats)]
    if opt.list:
        for n, _ in tests:
            print(n)
        return 0
    if TARGET != "host":
        SCALE = 3.0
    natlib.raise_fd_limit()
    natlib.TIMEOUT = float(os.environ.get("NATTER_TEST_TIMEOUT", "10")) * SCALE
    prefix = "history-%s: " % TARGET
    suite = Suite(prefix)
    if not os.path.exists(natlib.binary(TARGET)):
        natlib.result("FAIL", prefix + "binary", "%s is missing (make TARGET=%s)" % (natlib.binary(TARGET), TARGET))
        return 1
    t0 = time.time()
    for name, fn in tests:
        suite.run(name, fn)
    print("# %d tests in %.1fs" % (len(tests), time.time() - t0), flush=True)
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
