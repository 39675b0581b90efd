#!/usr/bin/env python3
"""The IRC door held to PROTOCOL.md ("IRC") over raw sockets: registration,
the mapping of messages, actions, private messages, notices and events both
ways, and bad input. Each test starts its own natterd (-p 0 --irc 0) and
talks to it with natlib.Client (natter) and IrcClient below.

  tests/test_irc.py [--only NAME[,NAME]] [--list] [--bin NATTERD]

--bin runs the tests against another build (build/tsan/natterd, say).
"""
import argparse, os, re, socket, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlib                                       # noqa: E402
from natlib import Server, Suite, Skip              # noqa: E402

TESTS = []


def test(fn):
    TESTS.append((fn.__name__, fn))
    return fn


class IrcClient(natlib.Client):
    """An IRC connection: lines end with CR LF; helpers to register and wait."""

    def __init__(self, host, port, nick=None):
        super().__init__(host, port, greet=False)
        if nick:
            self.register(nick)

    def line(self, timeout=None):
        raw = self.raw_line(timeout)
        if raw is None:
            return None
        assert raw.endswith(b"\r"), "IRC line without CR LF: %r" % raw
        return raw[:-1].decode("utf-8")

    def say(self, text):
        self.send(text + "\r\n")

    def until(self, pattern, limit=200):
        """Lines up to and including the first that matches (re.search)."""
        seen = []
        for _ in range(limit):
            l = self.line()
            assert l is not None, "EOF while waiting for %r; saw %r" % (pattern, seen)
            seen.append(l)
            if re.search(pattern, l):
                return seen
        raise AssertionError("no %r in %r" % (pattern, seen))

    def register(self, nick):
        self.say("NICK %s" % nick)
        self.say("USER %s 0 * :%s" % (nick, nick))
        self.until(r" 001 %s " % nick)
        self.until(r" (376|422) ")
        self.nick = nick

    def sync(self):
        """A round trip: every line sent before is handled when it returns."""
        self.say("PING :sync%d" % id(self))
        return self.until(r"PONG \S+ :sync%d" % id(self))[:-1]


BIN = None     # --bin: another natterd build


class Srv:
    def __init__(self, args=()):
        self.server = Server("host", ["--irc", "0"] + [str(a) for a in args], binary_path=BIN)
        self.clients = []

    def __enter__(self):
        self.server.start()
        m = re.search(r"irc 127\.0\.0\.1:(\d+)", self.server.stderr())
        assert m, "no IRC listener in the ready line: %s" % self.server.stderr()
        self.irc_port = int(m.group(1))
        return self

    def __exit__(self, exc_type, exc, tb):
        for c in self.clients:
            c.close()
        alive = self.server.proc.poll() is None
        if exc_type is not None:
            self.server.proc.kill()
            self.server.proc.wait()
            return False
        assert alive, "natterd died: %s" % self.server.stderr()[-2000:]
        rc = self.server.stop()
        assert rc == 0, "natterd exited %s on SIGTERM" % rc
        assert "invariant" not in self.server.stderr()
        return False

    def natter(self):
        c = natlib.Client(self.server.host, self.server.port)
        self.clients.append(c)
        return c

    def irc(self, nick=None):
        c = IrcClient(self.server.host, self.irc_port, nick)
        self.clients.append(c)
        return c


def natter_sync(c):
    """A round trip for a natter client: lines up to its /stats reply."""
    c.say("/stats")
    seen = []
    while True:
        l = c.line()
        assert l is not None
        if l.startswith("= stats:"):
            return seen
        seen.append(l)


# --------------------------------------------------------------------------

@test
def registration_and_isupport():
    with Srv() as s:
        i = s.irc()
        i.say("CAP LS 302")
        i.say("NICK alice")
        i.say("USER alice 0 * :Alice")
        l = i.line()
        assert re.fullmatch(r":\S+ CAP \* LS :", l), l
        # CAP LS holds registration until CAP END
        i.sync()
        i.say("CAP END")
        lines = i.until(r" 422 ")
        assert re.match(r":\S+ 001 alice :", lines[0]), lines
        nums = [l.split()[1] for l in lines]
        for n in ("001", "002", "003", "004", "005", "422"):
            assert n in nums, (n, lines)
        isup = " ".join(l for l in lines if l.split()[1] == "005")
        for tok in ("CASEMAPPING=ascii", "CHANTYPES=#", "PREFIX= ", "CHANMODES=",
                    "NICKLEN=16", "CHANNELLEN=17", "TARGMAX="):
            assert tok in isup, (tok, isup)


@test
def not_registered_and_unknown():
    with Srv() as s:
        i = s.irc()
        i.say("JOIN #lobby")
        assert re.fullmatch(r":\S+ 451 \* :.*", i.line())
        i.register("bob")
        i.say("FROBNICATE x")
        assert re.fullmatch(r":\S+ 421 bob FROBNICATE :.*", i.line())
        i.say("USER a b c d")
        assert " 462 " in i.line()


@test
def starts_in_no_channel():
    with Srv() as s:
        n = s.natter()
        i = s.irc("carol")
        assert n.cmd("/who") == "= who: lobby: %s (1 user)" % n.nick
        n.say("hello")
        assert i.sync() == [], "an IRC client in no channel got room lines"
        i.say("JOIN #lobby")
        l = i.line()
        assert l == ":carol!carol@natter JOIN #lobby", l
        names = i.until(r" 366 ")
        assert re.search(r" 353 carol = #lobby :.*\bcarol\b", names[0]) and n.nick in names[0], names
        assert n.line() == "-- carol joined lobby"
        who = n.cmd("/who")
        assert who == "= who: lobby: carol %s (2 users)" % n.nick, who


@test
def messages_both_ways():
    with Srv() as s:
        n = s.natter()
        i = s.irc("dave")
        i.say("JOIN #lobby")
        i.until(" 366 ")
        n.line()
        n.say("hi from natter")
        assert i.line() == ":%s!%s@natter PRIVMSG #lobby :hi from natter" % (n.nick, n.nick)
        n.say("/me waves")
        assert i.line() == ":%s!%s@natter PRIVMSG #lobby :\x01ACTION waves\x01" % (n.nick, n.nick)
        i.say("PRIVMSG #lobby :hi from irc")
        assert n.line() == "<dave> hi from irc"
        i.say("PRIVMSG #lobby :\x01ACTION dances\x01")
        assert n.line() == "* dave dances"
        i.say("NOTICE #lobby :a notice")
        assert n.line() == "<dave> a notice"
        # private messages both ways
        n.say("/msg dave psst")
        assert i.line() == ":%s!%s@natter PRIVMSG dave :psst" % (n.nick, n.nick)
        i.say("PRIVMSG %s :back at you" % n.nick)
        assert n.line() == "*dave* back at you"
        i.say("PRIVMSG nobody :x")
        assert re.fullmatch(r":\S+ 401 dave nobody :.*", i.line())
        i.say("NOTICE nobody :x")      # NOTICE never answers with an error
        assert i.sync() == []
        # the sender does not get its own message back
        assert natter_sync(n) == []


@test
def irc_to_irc_and_several_rooms():
    with Srv() as s:
        a, b = s.irc("ann"), s.irc("ben")
        a.say("JOIN #one,#two")
        a.until("366.*#two")
        b.say("JOIN #two")
        b.until(" 366 ")
        assert a.line() == ":ben!ben@natter JOIN #two"
        a.say("PRIVMSG #two :to two")
        assert b.line() == ":ann!ann@natter PRIVMSG #two :to two"
        a.say("PRIVMSG #one :to one")
        assert b.sync() == [], "ben is not in #one"
        b.say("PRIVMSG #one :x")
        assert " 404 " in b.line()
        n = s.natter()
        assert n.cmd("/rooms") == "= rooms: lobby(1) one(1) two(2)"
        n.cmd("/join two")
        assert a.line() == ":%s!%s@natter JOIN #two" % (n.nick, n.nick)
        assert b.line() == ":%s!%s@natter JOIN #two" % (n.nick, n.nick)
        b.say("PART #two")
        assert b.line() == ":ben!ben@natter PART #two"
        assert a.line() == ":ben!ben@natter PART #two"
        assert n.line() == "-- ben left two"
        b.say("PART #two")
        assert " 442 " in b.line()


@test
def nick_change_seen_by_all():
    with Srv() as s:
        n = s.natter()
        i, j = s.irc("eve"), s.irc("fay")
        for c in (i, j):
            c.say("JOIN #lobby")
            c.until(" 366 ")
        i.line()
        n.line(); n.line()
        i.say("NICK eva")
        assert i.line() == ":eve!eve@natter NICK :eva"
        assert j.line() == ":eve!eve@natter NICK :eva"
        assert n.line() == "-- eve is now known as eva"
        n.say("/nick natty")
        n.line()
        assert i.line() == ":%s!%s@natter NICK :natty" % (n.nick, n.nick)
        assert j.line() == ":%s!%s@natter NICK :natty" % (n.nick, n.nick)


@test
def nick_collisions_across_doors():
    with Srv() as s:
        n = s.natter()
        n.cmd("/nick taken")
        i = s.irc()
        i.say("NICK TAKEN")
        assert re.fullmatch(r":\S+ 433 \* TAKEN :.*", i.line())
        i.register("irker")
        assert n.cmd("/nick Irker").startswith("! nick-taken:")
        i.say("NICK taken")
        assert " 433 " in i.line()
        i.say("NICK 1bad")
        assert " 432 " in i.line()
        i.say("NICK toolongnickname_x")
        assert " 432 " in i.line()
        i.say("NICK bad.nick")
        assert " 432 " in i.line()


@test
def quit_reasons():
    with Srv() as s:
        n = s.natter()
        i, j = s.irc("gus"), s.irc("hal")
        for c in (i, j):
            c.say("JOIN #lobby")
            c.until(" 366 ")
        i.line()
        n.line(); n.line()
        i.say("QUIT :gone fishing")
        assert i.line().startswith("ERROR :")
        assert i.eof() == []
        assert n.line() == "-- gus quit (gone fishing)"
        assert j.line() == ":gus!gus@natter QUIT :Quit: gone fishing"
        n.say("/quit bye now")
        assert j.line() == ":%s!%s@natter QUIT :Quit: bye now" % (n.nick, n.nick)
        k = s.natter()
        k.cmd("/join lobby")
        j.line()
        k.close()
        assert j.line() == ":%s!%s@natter QUIT :disconnected" % (k.nick, k.nick)
        k2 = s.natter()
        j.line()
        j.close()
        assert k2.line() == "-- hal disconnected"
        assert "hal" not in k2.cmd("/who")


@test
def formatting_removed_controls_refused():
    with Srv() as s:
        n = s.natter()
        i = s.irc("ida")
        i.say("JOIN #lobby")
        i.until(" 366 ")
        n.line()
        i.say("PRIVMSG #lobby :\x02bold\x02 \x0304,12red\x03 \x1ditalic\x1d \x1fu\x1f \x16r\x16 \x0fend")
        assert n.line() == "<ida> bold red italic u r end"
        i.send(b"PRIVMSG #lobby :bell\x07here\r\n")
        assert "bad-char" in i.line()
        i.send(b"PRIVMSG #lobby :esc\x1b[31m\r\n")
        assert "bad-char" in i.line()
        i.send(b"PRIVMSG #lobby :\xc3\x28 broken\r\n")
        assert "bad-utf8" in i.line()
        i.send("PRIVMSG #lobby :c1 \u0085 ctl\r\n".encode())
        assert "bad-char" in i.line()
        assert natter_sync(n) == [], "a refused line reached the room"


@test
def long_lines_split_never_cut():
    with Srv() as s:
        n = s.natter()
        i = s.irc("jo")
        i.say("JOIN #lobby")
        i.until(" 366 ")
        n.line()
        n.cmd("/nick abcdefghijklmnop")
        i.line()
        text = "x" * 300 + "é" * 105          # 510 bytes
        assert len(text.encode()) == 510
        n.say(text)
        got, raw = "", []
        prefix = ":abcdefghijklmnop!abcdefghijklmnop@natter PRIVMSG #lobby :"
        while len(got.encode()) < 510:
            r = i.raw_line()
            raw.append(r)
            assert len(r) + 1 <= 512, "IRC line over 512 bytes: %d" % (len(r) + 1)
            l = r[:-1].decode("utf-8")       # each piece is whole UTF-8
            assert l.startswith(prefix), l
            got += l[len(prefix):]
        assert got == text and len(raw) == 2, (len(raw), got[-10:])


@test
def huge_line_dropped():
    with Srv() as s:
        n = s.natter()
        i = s.irc("kim")
        i.say("JOIN #lobby")
        i.until(" 366 ")
        n.line()
        i.send(b"PRIVMSG #lobby :" + b"y" * (1 << 20) + b"\r\n")
        assert " 417 " in i.line()
        i.say("PRIVMSG #lobby :after")
        assert n.line() == "<kim> after"


@test
def join_100_channels():
    with Srv() as s:
        i = s.irc("lee")
        i.say("JOIN " + ",".join("#c%d" % k for k in range(100)))
        lines = i.until(r" 405 .*#c99 ")
        joins = [l for l in lines if " JOIN " in l]
        assert len(joins) == 8, joins
        assert sum(" 405 " in l for l in lines) == 92
        i.say("JOIN #Bad!name,#")
        assert " 403 " in i.line() and " 403 " in i.line()
        i.say("JOIN 0")
        parts = i.until(r"PART #c7")
        assert len([p for p in parts if "PART" in p]) == 8
        n = s.natter()
        assert n.cmd("/rooms") == "= rooms: lobby(1)"


@test
def queries():
    with Srv() as s:
        n = s.natter()
        i = s.irc("max")
        i.say("JOIN #lobby")
        i.until(" 366 ")
        i.say("WHO #lobby")
        who = i.until(" 315 ")
        assert len([w for w in who if " 352 " in w]) == 2, who
        i.say("WHOIS %s" % n.nick)
        w = i.until(" 318 ")
        assert any(" 311 max %s " % n.nick in l for l in w) and any("#lobby" in l for l in w), w
        i.say("MODE #lobby")
        assert " 324 max #lobby " in i.line()
        i.say("MODE #lobby b")
        assert " 368 max #lobby " in i.line()
        i.say("TOPIC #lobby")
        assert " 331 max #lobby " in i.line()
        i.say("ISON %s nobody max" % n.nick)
        assert i.line().endswith(":%s max" % n.nick)
        i.say("USERHOST max")
        assert " 302 max :max=+max@natter" in i.line()
        i.say("AWAY :lunch")
        assert " 306 " in i.line()
        i.say("AWAY")
        assert " 305 " in i.line()
        i.say("LUSERS")
        assert " 251 " in i.line() and " 255 " in i.line()
        i.say("NAMES #lobby")
        l1, l2 = i.line(), i.line()
        assert " 353 " in l1 and " 366 " in l2, (l1, l2)


@test
def ping_pong():
    with Srv() as s:
        i = s.irc("ned")
        i.say("PING :abc123")
        assert re.fullmatch(r":\S+ PONG \S+ :abc123", i.line())
        i.say("PONG :whatever")
        assert i.sync() == []


@test
def no_irc_and_ports():
    s = Server("host", ["--no-irc"], binary_path=BIN)
    s.start()
    try:
        assert "irc " not in s.stderr()
    finally:
        assert s.stop() == 0
    # a port given explicitly that cannot be had: exit 1
    with Srv() as a:
        b = Server("host", ["--irc", str(a.irc_port)], binary_path=BIN)
        try:
            b.start()
            raise AssertionError("natterd ran with its IRC port taken")
        except RuntimeError as e:
            assert "exited 1" in str(e), e


@test
def several_rooms_at_once_nothing_lost():
    """An IRC client in 4 rooms while a sender in each (on 4 workers) sends
    at once: its queue has 4 producers under 4 room locks. Every line
    arrives, each room's in its order."""
    N = 200
    with Srv(["-w", "4", "-r", "0"]) as s:
        i = s.irc("many")
        senders = []
        for k in range(4):
            n = s.natter()
            n.cmd("/join r%d" % k)
            senders.append(n)
        i.say("JOIN #r0,#r1,#r2,#r3")
        i.until("366.*#r3")
        for k, n in enumerate(senders):
            n.send("".join("r%d line %d\n" % (k, j) for j in range(N)))
        seen = {k: [] for k in range(4)}
        for _ in range(4 * N):
            l = i.line()
            m = re.fullmatch(r":\S+ PRIVMSG #r(\d) :r\d line (\d+)", l)
            assert m, l
            seen[int(m.group(1))].append(int(m.group(2)))
        for k in range(4):
            assert seen[k] == list(range(N)), (k, seen[k][:10])


@test
def thousand_clients_threads_unchanged():
    natlib.raise_fd_limit(8192)
    with Srv(["-c", "2000"]) as s:
        before = s.server.threads()
        socks = []
        for k in range(1000):
            c = socket.create_connection((s.server.host, s.irc_port))
            c.sendall(("NICK u%d\r\nUSER u 0 * :u\r\nJOIN #lobby\r\n" % k).encode())
            socks.append(c)
        i = s.irc("watcher")
        i.say("JOIN #lobby")
        names = " ".join(i.until(r" 366 ", limit=5000))
        # every one of them registered and joined (they are in NAMES)
        deadline = time.time() + 30
        while "u999" not in names and time.time() < deadline:
            i.say("NAMES #lobby")
            names = " ".join(i.until(r" 366 ", limit=5000))
        for k in (0, 500, 999):
            assert "u%d" % k in names, k
        assert s.server.threads() == before, (before, s.server.threads())
        for c in socks:
            c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--bin")
    opt = ap.parse_args()
    global BIN
    BIN = opt.bin
    tests = TESTS
    if opt.only:
        tests = [(n, f) for n, f in tests if any(p in n for p in opt.only.split(","))]
    if opt.list:
        print("\n".join(n for n, _ in tests))
        return 0
    natlib.TIMEOUT = float(os.environ.get("NATTER_TEST_TIMEOUT", "10"))
    suite = Suite("irc: ")
    for name, fn in tests:
        suite.run(name, fn)
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
