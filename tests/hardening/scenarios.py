"""Integration scenarios for the sanitizer and memcheck suites (71-73).

Each scenario starts its own natterd through mk(args, **Server kwargs),
drives it the way the issue lists (many clients chatting across rooms;
joins, nick changes, quits; floods with --rate 0; a client that never reads
and is cut as too slow; garbage; EOF and RST in the middle of a line; a
full table), and ends it with SIGTERM, requiring exit status 0. The
runner (run()) then fails the scenario on any report the build's checker
left for that server. `scale` shrinks the volumes for slow builds (TSan,
valgrind)."""
import random, re, select, signal, socket, time

import hlib
from hlib import connect, until, sync, read_lines, Sender, rst_close, stop_clean, natlib

CTRL_RE = re.compile("[\x00-\x08\x0a-\x1f\x7f\x80-\x9f]")


def expect(client, pattern, timeout=None):
    line = client.line(timeout)
    if line is None or not re.fullmatch(pattern, line):
        raise AssertionError("%s: expected %r, got %r" % (client.nick, pattern, line))
    return line


def rooms_chat(mk, scale):
    """20 clients in 4 rooms chat at once (all sending while all read);
    every line reaches exactly its room, each sender's lines in order;
    private messages cross rooms; /who and /rooms agree; the transcript on
    stdout (no -q) has every message."""
    s = mk(["--rate", 0, "-w", 2], quiet=False).start()
    nrooms, per_room = 4, 5
    cs = [connect(s) for _ in range(nrooms * per_room)]
    room = {c: "room%d" % (i % nrooms) for i, c in enumerate(cs)}
    for c in cs:
        c.say("/join " + room[c].upper())     # rooms are kept lower case
        until(c, r"= join: you are in %s \(\d+ users?\)" % room[c])
    for c in cs:
        sync(c)
    m = max(5, int(40 * scale))
    senders = [Sender(c, b"".join(b"m %s %d\n" % (c.nick.encode(), k) for k in range(m)))
               for c in cs]
    for t in senders:
        t.start()
    got = read_lines({c: (per_room - 1) * m for c in cs}, timeout=natlib.TIMEOUT * 6)
    for t in senders:
        t.finish()
    for c in cs:
        natlib.check_each_sender(c.nick, got[c], "m",
                                 [o.nick for o in cs if o is not c and room[o] == room[c]], m)
    for i, c in enumerate(cs):
        c.say("/msg %s psst from %s" % (cs[(i + 1) % len(cs)].nick.upper(), c.nick))
    got = read_lines({c: 1 for c in cs})
    for i, c in enumerate(cs):
        frm = cs[i - 1].nick
        if got[c] != ["*%s* psst from %s" % (frm, frm)]:
            raise AssertionError("%s got %r" % (c.nick, got[c]))
    c0 = cs[0]
    c0.say("/who")
    line = expect(c0, r"= who: room0: .* \(%d users\)" % per_room)
    names = line.split(": ", 2)[2].rsplit(" (", 1)[0].split()
    if sorted(names, key=str.lower) != names or len(names) != per_room:
        raise AssertionError("/who: %r" % line)
    c0.say("/rooms")
    expect(c0, r"= rooms: room0\(5\) room1\(5\) room2\(5\) room3\(5\)")
    c0.say("/stats")
    mm = re.fullmatch(r"= stats: uptime \d+s, connections (\d+)/\d+, rooms (\d+), messages (\d+)",
                      c0.line() or "")
    if not mm or int(mm.group(1)) != len(cs) or int(mm.group(2)) != nrooms or \
            int(mm.group(3)) != len(cs) * (m + 1):
        raise AssertionError("/stats: %r" % (mm and mm.group(0)))
    stop_clean(s)
    transcript = [l for l in s.stdout().splitlines() if l.startswith("msg ")]
    if len(transcript) != len(cs) * m:
        raise AssertionError("stdout has %d msg lines, want %d" % (len(transcript), len(cs) * m))


def nick_join_quit(mk, scale):
    """Nick changes (taken, case-insensitive), joins back and forth, /me,
    /who, /rooms, /quit with text, a disconnect without /quit."""
    s = mk([]).start()
    a, b, c = connect(s), connect(s), connect(s)
    for x in (a, b, c):
        sync(x)
    for r in range(max(3, int(20 * scale))):
        old = a.nick
        a.nick = "Al%d" % r
        a.say("/nick " + a.nick)
        expect(a, "= nick: you are now %s" % a.nick)
        for x in (b, c):
            expect(x, "-- %s is now known as %s" % (old, a.nick))
        b.say("/join side")
        expect(b, r"= join: you are in side \(1 user\)")
        for x in (a, c):
            expect(x, "-- %s left lobby" % b.nick)
        b.say("/who")
        expect(b, r"= who: side: %s \(1 user\)" % b.nick)
        c.say("/nick " + a.nick.upper())
        expect(c, r"! nick-taken: .*")
        c.say("/nick " + b.nick)
        expect(c, r"! nick-taken: .*")
        c.say("/rooms")
        expect(c, r"= rooms: lobby\(2\) side\(1\)")
        b.say("/JOIN Lobby")
        expect(b, r"= join: you are in lobby \(3 users\)")
        for x in (a, c):
            expect(x, "-- %s joined lobby" % b.nick)
        a.say("/me waves %d" % r)
        for x in (b, c):
            expect(x, r"\* %s waves %d" % (a.nick, r))
    d = connect(s)
    for x in (a, b, c):
        expect(x, "-- %s joined lobby" % d.nick)
    d.say("/quit see you")
    expect(d, r"= bye: .*")
    if d.eof() != []:
        raise AssertionError("lines after bye")
    for x in (a, b, c):
        expect(x, r"-- %s quit \(see you\)" % d.nick)
    e = connect(s)
    for x in (a, b, c):
        expect(x, "-- %s joined lobby" % e.nick)
    e.close()
    for x in (a, b, c):
        expect(x, "-- %s disconnected" % e.nick)
    stop_clean(s)


def flood(mk, scale):
    """--rate 0: one client sends thousands of lines in one go; three
    readers get every one, in order."""
    s = mk(["--rate", 0]).start()
    f = connect(s)
    rs = [connect(s) for _ in range(3)]
    for x in [f] + rs:
        sync(x)
    n = max(300, int(5000 * scale))
    body = "x" * 100
    t = Sender(f, b"".join(b"%06d %s\n" % (i, body.encode()) for i in range(n)))
    t.start()
    got = read_lines({r: n for r in rs}, timeout=natlib.TIMEOUT * 6)
    t.finish()
    want = ["<%s> %06d %s" % (f.nick, i, body) for i in range(n)]
    for r in rs:
        if got[r] != want:
            bad = next(i for i in range(n) if got[r][i] != want[i])
            raise AssertionError("%s: line %d is %r" % (r.nick, bad, got[r][bad][:40]))
    sync(f)
    stop_clean(s)


def too_slow(mk, scale):
    """A client that never reads while another floods its room is cut
    (`-- X disconnected (too slow)`); the flooder and a reader go on."""
    s = mk(["--rate", 0]).start()
    slow = connect(s, rcvbuf=4096)
    f, r = connect(s), connect(s)
    sync(f)
    sync(r)
    line = b"S" * 400
    event = "-- %s disconnected (too slow)" % slow.nick
    seen, sent, nread = False, 0, 0
    deadline = time.time() + natlib.TIMEOUT * 6
    # Batches of 100 lines; the reader keeps up, the slow client never reads.
    while not seen:
        if time.time() > deadline or sent >= 60000:
            raise AssertionError("no too-slow event after %d lines" % sent)
        t = Sender(f, b"".join(b"%06d %s\n" % (sent + i, line) for i in range(100)))
        t.start()
        sent += 100
        while nread < sent:
            l = r.line(natlib.TIMEOUT * 3)
            if l == event:
                seen = True
                continue
            if l is None or not l.startswith("<%s> " % f.nick):
                raise AssertionError("reader got %r" % l)
            nread += 1
        t.finish()
    sync(f)
    sync(r)
    # What the slow client gets: its backlog, perhaps `! too-slow`, then EOF.
    slow.sock.settimeout(natlib.TIMEOUT)
    try:
        rest = slow.eof(natlib.TIMEOUT * 2)
    except ConnectionResetError:
        rest = []
    bad = [l for l in rest if l.startswith("!") and not l.startswith("! too-slow: ")]
    if bad:
        raise AssertionError("slow client got %r" % bad[:2])
    stop_clean(s)


def garbage(mk, scale):
    """Random bytes, over-long lines, bad UTF-8, control characters and
    1-byte writes: the sender gets its errors, the room only ever sees
    clean text, and the server keeps answering."""
    s = mk(["--rate", 0]).start()
    g, w = connect(s), connect(s)
    sync(g)
    sync(w)
    rnd = random.Random(6)
    size = max(8192, int(65536 * scale))
    junk = bytes(rnd.getrandbits(8) for _ in range(size))
    junk = junk.replace(b"/", b".")     # no commands: no /quit, no /nick
    # some lines short enough to be delivered, some valid UTF-8 with controls
    extra = [b"ok \xe2\x82\xac euro", b"esc \x1b[2J clear", b"c1 \xc2\x9b x",
             b"\xed\xa0\x80 surrogate", b"\xc0\xaf overlong", b"\xf4\x90\x80\x80 big",
             b"tab\tkept", b"\x00nul", b"del\x7f", b"cr\rmid"]
    for e in extra:
        pos = rnd.randrange(len(junk))
        junk = junk[:pos] + b"\n" + e + b"\n" + junk[pos:]
    g.send(junk + b"\n")
    errors = sync(g)
    for l in errors:
        if not re.fullmatch(r"! (line-too-long|bad-utf8|bad-char): .*", l):
            raise AssertionError("garbage sender got %r" % l[:80])
    heard = sync(w)
    for l in heard:
        if not l.startswith("<%s> " % g.nick):
            raise AssertionError("watcher got %r" % l[:80])
        if CTRL_RE.search(l):
            raise AssertionError("a control character reached another client: %r" % l[:80])
    if "<%s> tab\tkept" % g.nick not in heard or "<%s> ok \u20ac euro" % g.nick not in heard:
        raise AssertionError("clean lines inside the garbage were lost")
    # An over-long line (100 kB before its LF) is reported once.
    g.send(b"L" * 100000 + b"\n")
    expect(g, r"! line-too-long: .*")
    if sync(g):
        raise AssertionError("more than one error for one long line")
    # One byte per write.
    for ch in b"/nick Byter\n":
        g.send(bytes([ch]))
    expect(g, "= nick: you are now Byter")
    expect(w, "-- %s is now known as Byter" % g.nick)
    # Garbage, then a reset in the middle of a line.
    g.send(junk[:3000])
    rst_close(g.sock)
    until(w, r"-- Byter disconnected")
    sync(w)
    stop_clean(s)


def eof_midline(mk, scale):
    """EOF right after half a line: the complete line before it is
    delivered, the half is dropped, the room sees the disconnect; a reset
    after half a line likewise."""
    s = mk([]).start()
    a, b, w = connect(s), connect(s), connect(s)
    for x in (a, b, w):
        sync(x)
    a.send(b"complete line\nhalf a li")
    a.sock.shutdown(socket.SHUT_WR)
    expect(w, "<%s> complete line" % a.nick)
    expect(w, "-- %s disconnected" % a.nick)
    if a.eof() != []:
        raise AssertionError("lines after EOF")
    b.send(b"seen\nhalf of another")
    expect(w, "<%s> seen" % b.nick)   # so the half line was read too
    rst_close(b.sock)
    expect(w, "-- %s disconnected" % b.nick)
    sync(w)
    stop_clean(s)


def full_table(mk, scale):
    """-c 4: the fifth client gets `! full:` and is closed; the four go on
    and hear nothing of it; a slot freed is taken again."""
    s = mk(["-c", 4]).start()
    cs = [connect(s) for _ in range(4)]
    for c in cs:
        sync(c)
    extra = connect(s, greet=False)
    expect(extra, r"! full: .*")
    if extra.eof() != []:
        raise AssertionError("lines after full")
    for c in cs:
        if sync(c):
            raise AssertionError("%s heard of the refused client" % c.nick)
    cs[0].say("/quit")
    expect(cs[0], r"= bye: .*")
    # The slot is free once the client sees its close (loop/life.c,
    # release), not when its last line arrives: the write and the close
    # are two steps, with a whole send batch between them.
    if cs[0].eof() != []:
        raise AssertionError("lines after bye")
    for c in cs[1:]:
        expect(c, "-- %s quit" % cs[0].nick)
    again = connect(s)
    for c in cs[1:]:
        expect(c, "-- %s joined lobby" % again.nick)
    stop_clean(s)


def shutdown_busy(mk, scale):
    """SIGTERM while clients chat, one floods, one never reads and one is
    in the middle of a line: every reader gets `! shutdown:` then EOF, and
    natterd exits 0."""
    s = mk(["--rate", 0]).start()
    deaf = connect(s, rcvbuf=4096)
    cs = [connect(s) for _ in range(6)]
    for c in cs:
        sync(c)
    cs[0].say("/join other")
    until(cs[0], r"= join: .*")
    cs[1].send(b"half a line")
    f = cs[2]
    t = Sender(f, b"".join(b"flood %d\n" % i for i in range(max(500, int(20000 * scale)))))
    t.start()
    time.sleep(0.05)    # let the flood start (it may end before SIGTERM; fine)
    s.proc.send_signal(signal.SIGTERM)
    for c in cs:
        try:
            lines = c.eof(natlib.TIMEOUT * 2)
        except ConnectionResetError:
            raise AssertionError("%s: reset instead of shutdown line" % c.nick)
        if c is not f and (not lines or not lines[-1].startswith("! shutdown: ")):
            raise AssertionError("%s: last lines %r" % (c.nick, lines[-2:]))
    t.join(natlib.TIMEOUT)
    deaf.close()
    stop_clean(s)


def irc_rooms(mk, scale):
    """An IRC connection's queue goes from its one room's lock to taking
    turns and back (core/conn.h): IRC client t joins and parts a second
    room again and again, with PINGs between, while natter clients flood
    both rooms and another sends t private messages, on two workers. t and
    a watcher in the first room get each of its lines once and in order, t
    every private message in order, and of the second room's lines only
    some, in order."""
    from test_irc import IrcClient
    s = mk(["--rate", 0, "-w", 2, "--irc", 0]).start()
    port = int(re.search(r"irc 127\.0\.0\.1:(\d+)", s.stderr()).group(1))
    na, nb, npm = connect(s), connect(s), connect(s)
    for c, r in ((na, "a"), (nb, "b")):
        c.say("/join " + r)
        until(c, r"= join: you are in %s .*" % r)
    t, w = IrcClient(s.host, port, "t0"), IrcClient(s.host, port, "w0")
    for c in (t, w):
        c.say("JOIN #a")
        c.until(r" 366 ")
    m, k = max(50, int(2000 * scale)), max(10, int(400 * scale))
    senders = [Sender(na, b"".join(b"m a %d\n" % i for i in range(m))),
               Sender(nb, b"".join(b"m b %d\n" % i for i in range(m))),
               Sender(npm, b"".join(b"/msg t0 pm %d\n" % i for i in range(m))),
               Sender(t, b"".join(b"JOIN #b\r\nPART #b\r\nPING :p%d\r\n" % i
                                  for i in range(k)))]
    for x in senders:
        x.start()
    said = re.compile(r":(\S+?)!\S+ PRIVMSG (\S+) :(?:m [ab]|pm) (\d+)")
    seen = {(c, key): [] for c in (t, w) for key in ("#a", "#b", "t0")}
    echoes = {"JOIN": 0, "PART": 0, "PONG": 0}
    deadline = time.time() + natlib.TIMEOUT * 6
    while (len(seen[t, "#a"]) < m or len(seen[w, "#a"]) < m or len(seen[t, "t0"]) < m
           or echoes["PONG"] < k) and time.time() < deadline:
        for c in (t, w):
            while b"\n" in c.buf or select.select([c.sock], [], [], 0.05)[0]:
                line = c.line()
                if line is None:
                    raise AssertionError("%s: EOF" % c.nick)
                mm = said.fullmatch(line)
                if mm:
                    want = {"#a": na, "#b": nb, "t0": npm}[mm.group(2)].nick
                    if mm.group(1) != want:
                        raise AssertionError("%s got %r" % (c.nick, line))
                    seen[c, mm.group(2)].append(int(mm.group(3)))
                elif c is t and re.fullmatch(r":t0!\S+ (JOIN|PART) #b.*", line):
                    echoes[line.split()[1]] += 1
                elif c is t and re.fullmatch(r":\S+ PONG \S+ :p\d+", line):
                    echoes["PONG"] += 1
                elif c is w and "#b" in line:
                    raise AssertionError("w0 got a line of #b: %r" % line)
    for x in senders:
        x.finish()
    for c in (t, w):
        if seen[c, "#a"] != list(range(m)):
            raise AssertionError("%s: #a lines lost, doubled or out of order: %d of %d"
                                 % (c.nick, len(seen[c, "#a"]), m))
    if seen[t, "t0"] != list(range(m)):
        raise AssertionError("t0: private messages lost or out of order: %d of %d"
                             % (len(seen[t, "t0"]), m))
    b = seen[t, "#b"]
    if b != sorted(set(b)):
        raise AssertionError("t0: #b lines doubled or out of order")
    if echoes != {"JOIN": k, "PART": k, "PONG": k}:
        raise AssertionError("t0: echoes %r, want %d of each" % (echoes, k))
    stop_clean(s)


def sleepers(mk, scale):
    """Two workers at chat pace: each line is sent once the one before has
    reached everyone, so a worker is often asleep when another fills its
    members' queues, and that other writes them itself (loop/flush.c,
    add_for). Meanwhile clients join and vanish: RST (a socket error, its
    queue dropped under the write lock), EOF, /quit. Every reader gets
    every line once, in each sender's order, and only the churn's events
    besides."""
    s = mk(["--rate", 0, "-w", 2]).start()
    readers = natlib.connect_burst(s, 10)       # spread over both workers
    senders, m = readers[:3], max(12, int(60 * scale))
    got = {c: [] for c in readers}
    churn = []
    for k in range(m * len(senders)):
        snd = senders[k % len(senders)]
        line = "p %s %d" % (snd.nick, k // len(senders))
        snd.say(line)
        for c in readers:
            if c is not snd:
                skipped, match = until(c, r"<\S+> p \S+ \d+")
                for x in skipped:
                    if not x.startswith("-- "):
                        raise AssertionError("%s got %r before %r" % (c.nick, x, match))
                got[c].append(match)
        if k % 3 == 0:
            churn.append(connect(s))
        if len(churn) > 3:
            gone = churn.pop(0)
            if k % 9 == 0:
                rst_close(gone.sock)
            elif k % 9 == 3:
                gone.say("/quit bye")
                gone.sock.close()
            else:
                gone.sock.close()
    for c in readers:
        natlib.check_each_sender(c.nick, got[c], "p", [x.nick for x in senders if x is not c], m)
    stop_clean(s)


ALL = [rooms_chat, nick_join_quit, flood, too_slow, garbage, eof_midline,
       full_table, shutdown_busy, irc_rooms, sleepers]


def run(suite, mk_base, scale, check=None, scenarios=None):
    """Runs each scenario as one test; check(server) raises on a report."""
    for fn in scenarios or ALL:
        servers = []

        def mk(args=(), **kw):
            srv = mk_base(args, **kw)
            servers.append(srv)
            return srv

        def test():
            failure = None
            try:
                fn(mk, scale)
            except Exception as e:      # a report explains more: look first
                failure = e
            finally:
                for srv in servers:
                    if srv.proc and srv.proc.poll() is None:
                        srv.proc.kill()
                        srv.proc.wait()
            for srv in servers:
                try:
                    if check:
                        check(srv)
                    hlib.check_stderr(srv)
                except AssertionError as e:
                    if failure:
                        raise AssertionError("%s (and the scenario: %s)" % (e, str(failure)[:200]))
                    raise
            if failure:
                raise failure
        suite.run(fn.__name__, test)
