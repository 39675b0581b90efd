#!/usr/bin/env python3
"""The IRC door held to PROTOCOL.md ("IRC") over raw sockets: registration,
the mapping of messages, actions, private messages, notices and events both
ways, bad input, and what docs/irc.md gives IRC beyond it (the room
opener's @, WHO masks, +i, OPER, the PING and registration deadlines). Each test starts its own natterd (-p 0 --irc 0) and
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

    def raw_clients(self, n, then=""):
        """n plain sockets that register as u0, u1... and send `then`; not read."""
        socks = []
        for k in range(n):
            c = socket.create_connection((self.server.host, self.irc_port))
            c.sendall(("NICK u%d\r\nUSER u 0 * :u\r\n%s" % (k, then)).encode())
            socks.append(c)
        return socks

    def irc(self, nick=None):
        c = IrcClient(self.server.host, self.irc_port, nick)
        self.clients.append(c)
        return c


def lobby(s, *nicks):
    """A natter client and IRC clients named `nicks`, all in the lobby, in
    that order, with every JOIN and join line they were sent read."""
    n = s.natter()
    ircs = [s.irc(k) for k in nicks]
    for k, c in enumerate(ircs):
        c.say("JOIN #lobby")
        c.until(" 366 ")
        for earlier in ircs[:k]:
            assert earlier.line() == ":%s!%s@natter JOIN #lobby" % (c.nick, c.nick)
        assert n.line() == "-- %s joined lobby" % c.nick
    return (n, *ircs)


def numerics(c, num, end):
    """The lines of numeric `num` up to the line of numeric `end`."""
    return [l for l in c.until(r"^:\S+ %s " % end) if l.split()[1] == num]


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
        for tok in ("CASEMAPPING=ascii", "CHANTYPES=#", "PREFIX=(ov)@+ ", "CHANMODES=,,,s ",
                    "MODES=3 ", "NICKLEN=16", "CHANNELLEN=17", "TARGMAX="):
            assert tok in isup, (tok, isup)
        # 004: user modes i and o; channel modes o and v (prefixes) and s
        assert [l for l in lines if l.split()[1] == "004"][0].endswith(" io osv"), lines


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
        n, i = lobby(s, "dave")
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
        n, i, j = lobby(s, "eve", "fay")
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
        n, i, j = lobby(s, "gus", "hal")
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
        n, i = lobby(s, "ida")
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
        n, i = lobby(s, "jo")
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
        n, i = lobby(s, "kim")
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
        socks = s.raw_clients(1000, "JOIN #lobby\r\n")
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


def names_of(c, room):
    """NAMES #room as c sees it: the names (with their @) in a set."""
    c.say("NAMES #%s" % room)
    return set(" ".join(l.split(" :", 1)[1] for l in numerics(c, "353", "366")).split())


def who(c, mask):
    """WHO mask: {nick: (channel, flags)} and the 315 line."""
    c.say("WHO %s" % mask)
    lines = c.until(r"^:\S+ 315 ")
    rows = [l.split() for l in lines[:-1]]
    assert all(r[1] == "352" for r in rows), lines
    return {r[7]: (r[3], r[8]) for r in rows}, lines[-1]


@test
def room_opener_is_channel_operator():
    """IRC's @ marks the member who entered a room while it was empty, on
    any door, for as long as they stay; it is not passed on. natter users
    see nothing of it."""
    with Srv() as s:
        n = s.natter()                          # the lobby was empty: n opened it
        a = s.irc("opa")
        a.say("JOIN #lobby")
        a.until(" 366 ")
        assert names_of(a, "lobby") == {"@" + n.nick, "opa"}
        assert n.line() == "-- opa joined lobby"
        a.say("JOIN #new")                      # an IRC client opens #new
        assert a.line() == ":opa!opa@natter JOIN #new"
        assert re.fullmatch(r":\S+ 353 opa = #new :@opa", a.line())
        b = s.irc("opb")
        b.say("JOIN #new")
        b.until(" 366 ")
        assert names_of(b, "new") == {"@opa", "opb"}
        rows, _ = who(b, "#new")
        assert rows == {"opa": ("#new", "H@"), "opb": ("#new", "H")}, rows
        rows, _ = who(b, "opa")                 # by nick: its first room, with its @
        assert rows == {"opa": ("#lobby", "H")}, rows
        b.say("WHOIS opa")
        chans = [l for l in b.until(" 318 ") if " 319 " in l]
        assert chans and chans[0].endswith(":#lobby @#new"), chans
        a.say("PART #new")                      # the opener leaves: no one is @
        a.line()
        assert b.line() == ":opa!opa@natter PART #new"
        assert names_of(b, "new") == {"opb"}
        a.say("JOIN #new")                      # nor does coming back make it @
        a.until(" 366 ")
        assert names_of(a, "new") == {"opa", "opb"}
        # a natter user who makes a room by /join opens it
        assert n.cmd("/join made") == "= join: you are in made (1 user)"
        b.say("JOIN #made")
        b.until(" 366 ")
        assert names_of(b, "made") == {"@" + n.nick, "opb"}
        assert n.line() == "-- opb joined made"
        assert n.cmd("/who") == "= who: made: %s (2 users)" % " ".join(
            sorted([n.nick, "opb"], key=str.lower)), "natter's /who changed"
        # when a room ends and is made again, its new opener is @
        n.cmd("/join lobby")
        b.line()
        assert names_of(b, "made") == {"opb"}, "@ passed on"
        b.say("PART #made")
        b.line()
        b.say("JOIN #made")
        b.until(" 366 ")
        assert names_of(b, "made") == {"@opb"}
        # the opener's @ is neither given nor taken, by anyone
        b.say("MODE #made +o opa")
        assert " 482 opb #made " in b.line()


@test
def names_of_several_rooms():
    with Srv() as s:
        i = s.irc("nn")
        i.say("JOIN #a,#b")
        i.until("366.*#b")
        i.say("NAMES #a,#b,#nowhere")
        lines = i.until(" 366 ")
        assert [l.split()[1:5] for l in lines] == [
            ["353", "nn", "=", "#a"], ["353", "nn", "=", "#b"],
            ["366", "nn", "#a,#b,#nowhere", ":End"]], lines


@test
def who_masks_and_invisible():
    """WHO * and WHO 0 list every user, WHO with `*`/`?` those whose nick
    matches; user mode +i leaves a user out of them (and out of WHO #room)
    for those who share no room with it, never out of WHO by its nick."""
    with Srv() as s:
        n = s.natter()
        a, b = s.irc("evan"), s.irc("shiv")
        everyone = {n.nick, "evan", "shiv"}
        rows, end = who(b, "*")
        assert set(rows) == everyone and re.fullmatch(r":\S+ 315 shiv \* :End of WHO list", end)
        assert rows[n.nick] == ("#lobby", "H@") and rows["evan"] == ("*", "H"), rows
        rows, end = who(b, "0")
        assert set(rows) == everyone and " 315 shiv 0 " in end
        assert set(who(b, "ev?n")[0]) == {"evan"} and set(who(b, "EV*")[0]) == {"evan"}
        assert who(b, "ev")[0] == {} and who(b, "nobody")[0] == {}
        a.say("MODE evan +i")
        assert re.fullmatch(r":\S+ 221 evan \+i", a.line())
        a.say("MODE evan")
        assert re.fullmatch(r":\S+ 221 evan \+i", a.line())
        assert set(who(b, "*")[0]) == {n.nick, "shiv"}, "an invisible user in WHO *"
        assert set(who(b, "ev*")[0]) == set()
        assert set(who(b, "evan")[0]) == {"evan"}, "WHO by nick must show +i users"
        assert set(who(a, "*")[0]) == everyone, "a user must see itself"
        b.say("LUSERS")                        # counted, not told apart
        assert re.fullmatch(r":\S+ 251 shiv :There are 3 users on 1 server", b.line())
        b.line()
        # sharing a room makes it visible
        for c in (a, b):
            c.say("JOIN #x")
            c.until(" 366 ")
        a.line()
        assert set(who(b, "*")[0]) == everyone
        c = s.irc("carl")
        assert set(who(c, "#x")[0]) == {"shiv"}, "+i user in WHO #room of a non-member"
        assert set(who(b, "#x")[0]) == {"evan", "shiv"}
        a.say("MODE evan -i")
        assert re.fullmatch(r":\S+ 221 evan \+", a.line())
        assert set(who(c, "#x")[0]) == {"evan", "shiv"}
        a.say("MODE evan +w")
        assert " 501 evan " in a.line()
        a.say("MODE shiv +i")
        assert " 502 evan " in a.line()
        # AWAY is G in WHO
        a.say("AWAY :out")
        a.line()
        assert who(c, "evan")[0]["evan"][1] == "G@", "evan opened #x and is away"


@test
def who_by_mask_bounded():
    """One WHO lists at most IRC_WHO_MAX (64) users and says so."""
    with Srv(["-c", "300"]) as s:
        socks = s.raw_clients(70)
        w = s.irc("watcher")
        deadline = time.time() + natlib.TIMEOUT   # all 70 registered
        while sum(len(who(w, m)[0]) for m in ("u?", "u??")) < 70:
            assert time.time() < deadline, "the 70 clients did not all register"
        rows, end = who(w, "*")
        assert len(rows) == 64 and end.endswith(":End of WHO list (cut short)"), (len(rows), end)
        rows, end = who(w, "u6?")
        assert len(rows) == 10 and end.endswith(":End of WHO list"), (len(rows), end)
        for c in socks:
            c.close()


@test
def oper_login():
    """OPER works only with the name and password of --irc-oper; an
    operator is `*` in WHO, 313 in WHOIS, and sees +i users in WHO."""
    with Srv() as s:
        i = s.irc("nobody")
        i.say("OPER admin s3cret")
        assert " 491 nobody " in i.line(), "OPER without --irc-oper"
    with Srv(["--irc-oper", "admin:s3cret"]) as s:
        i, j = s.irc("boss"), s.irc("eve")
        for wrong in ("admin wrong", "admin s3cretx", "Admin s3cret", "admin s3cre", "admin:s3cret x"):
            i.say("OPER " + wrong)
            assert " 464 boss " in i.line(), wrong
        i.say("OPER admin")
        assert " 461 boss OPER " in i.line()
        j.say("MODE eve +i")
        j.line()
        assert set(who(i, "*")[0]) == {"boss"}
        i.say("OPER admin s3cret")
        assert re.fullmatch(r":\S+ 381 boss :.*", i.line())
        i.say("MODE boss")
        assert re.fullmatch(r":\S+ 221 boss \+o", i.line())
        rows, _ = who(i, "*")
        assert rows == {"boss": ("*", "H*"), "eve": ("*", "H")}, rows
        j.say("WHOIS boss")
        assert any(" 313 eve boss :" in l for l in j.until(" 318 "))
        i.say("MODE boss -o")
        assert re.fullmatch(r":\S+ 221 boss \+", i.line())
        i.say("MODE boss +o")                   # only OPER makes an operator
        assert re.fullmatch(r":\S+ 221 boss \+", i.line())
        assert who(j, "boss")[0]["boss"][1] == "H"
        assert set(who(i, "*")[0]) == {"boss"}
    for bad in ("nocolon",):
        b = Server("host", ["--irc", "0", "--irc-oper", bad], binary_path=BIN)
        try:
            b.start()
            raise AssertionError("natterd ran with --irc-oper %r" % bad)
        except RuntimeError as e:
            assert "exited 2" in str(e), e


@test
def quiet_client_pinged_then_cut():
    """--irc-ping 2: a registered client quiet for 2 s is sent PING; an
    answer keeps it; one that stays quiet 2 s more is cut with ERROR and
    its rooms see it disconnect."""
    with Srv(["--irc-ping", "2"]) as s:
        n, i = lobby(s, "sleepy")
        ping = i.line(timeout=10)
        assert re.fullmatch(r"PING :\S+", ping), ping
        i.say("PONG :%s" % ping.split(":", 1)[1])
        again = i.line(timeout=10)               # alive: pinged again, not cut
        assert again == ping, again
        t0 = time.time()
        rest = i.eof(timeout=10)                 # no answer this time
        assert rest == ["ERROR :Closing link: ping timeout"], rest
        assert time.time() - t0 >= 1, "cut before its PONG deadline"
        assert n.line(timeout=10) == "-- sleepy disconnected (idle)"


@test
def unregistered_cut_at_deadline():
    """A connection that never finishes NICK/USER is cut with ERROR at its
    deadline (--irc-ping 2: 1 s after its first tick), and its nick is free
    again; one that registered in time is not."""
    with Srv(["--irc-ping", "2"]) as s:
        ok = s.irc("intime")
        i = s.irc()
        t0 = time.time()
        i.say("NICK halfway")                    # never USER
        rest = i.eof(timeout=10)
        took = time.time() - t0
        assert rest == ["ERROR :Closing link: registration timeout"], rest
        assert 0.5 <= took <= 8, took
        j = s.irc("halfway")                     # the nick was let go
        assert j.sync() == []
        seen = ok.sync()                         # a PING of natterd's at most
        assert all(l.startswith("PING ") for l in seen), seen


def rooms_of(n):
    """A natter client's /rooms: {room: count} (events before it skipped)."""
    n.say("/rooms")
    l = n.line()
    while l is not None and l.startswith("-- "):
        l = n.line()
    assert l.startswith("= rooms: "), l
    return dict(re.fullmatch(r"(\S+)\((\d+)\)", w).groups() for w in l[9:].split())


@test
def secret_room():
    """MODE #room +s by the room's opener makes it secret on every door:
    not in /rooms, NAMES, WHO or WHOIS of anyone outside it, `@` in its
    353, `+s` in 324. Others get 482; -s and the room's end undo it. IRC
    members see the change; natter members are not told."""
    with Srv() as s:
        out = s.natter()                        # in the lobby, not in #hid
        a, b, c = s.irc("sam"), s.irc("sue"), s.irc("sid")
        a.say("JOIN #hid")
        a.until(" 366 ")
        b.say("JOIN #hid")
        b.until(" 366 ")
        a.line()
        inside = s.natter()
        assert inside.cmd("/join hid").startswith("= join: you are in hid (3 users)")
        a.line(), b.line()
        b.say("MODE #hid +s")
        assert re.fullmatch(r":\S+ 482 sue #hid :You're not channel operator", b.line())
        a.say("MODE #hid")
        assert re.fullmatch(r":\S+ 324 sam #hid \+", a.line())
        a.say("MODE #hid +s")
        assert a.line() == ":sam!sam@natter MODE #hid +s"
        assert b.line() == ":sam!sam@natter MODE #hid +s"
        assert natter_sync(inside) == [], "a natter member was told of a mode"
        a.say("MODE #hid +s")                   # no change: told to no one
        a.say("MODE #hid")
        assert re.fullmatch(r":\S+ 324 sam #hid \+s", a.line())
        a.say("NAMES #hid")
        assert re.fullmatch(r":\S+ 353 sam @ #hid :.*", a.line())
        assert " 366 " in a.line()
        # outside: not listed, not named, not found
        assert "hid" not in rooms_of(out) and "lobby" in rooms_of(out)
        assert rooms_of(inside)["hid"] == "3", "a member must see its secret room"
        assert names_of(c, "hid") == set(), "NAMES of a secret room to an outsider"
        assert who(c, "#hid")[0] == {}, "WHO of a secret room to an outsider"
        assert who(c, "sam")[0] == {"sam": ("*", "H")}, "WHO nick names a secret room"
        assert who(b, "sam")[0] == {"sam": ("#hid", "H@")}
        c.say("WHOIS sue")
        assert not [l for l in c.until(" 318 ") if " 319 " in l], "WHOIS shows a secret room"
        b.say("WHOIS sue")
        assert [l for l in b.until(" 318 ") if " 319 " in l][0].endswith(":#hid")
        for cmd in ("MODE #hid", "PART #hid"):
            c.say(cmd)
            assert re.fullmatch(r":\S+ 403 sid #hid :No such channel", c.line()), cmd
        # joining it by name is not refused (+s is not +i); then it is seen
        c.say("JOIN #hid")
        assert re.fullmatch(r":\S+ 353 sid @ #hid :.*", c.until(" 353 ")[-1])
        c.until(" 366 ")
        a.line(), b.line(), inside.line()
        c.say("PART #hid")
        c.line(), a.line(), b.line(), inside.line()
        # -s: public again, told to the IRC members
        a.say("MODE #hid -s")
        assert a.line() == b.line() == ":sam!sam@natter MODE #hid -s"
        assert rooms_of(out)["hid"] == "3"
        a.say("NAMES #hid")
        assert re.fullmatch(r":\S+ 353 sam = #hid :.*", a.line())
        assert " 366 " in a.line()
        # a secret room that empties ends, its flag with it
        a.say("MODE #hid +s")
        a.line(), b.line()
        a.say("PART #hid")
        a.line(), b.line(), inside.line()
        b.say("PART #hid")
        b.line(), inside.line()
        inside.cmd("/join lobby")
        a.say("JOIN #hid")
        a.until(" 366 ")
        a.say("MODE #hid")
        assert re.fullmatch(r":\S+ 324 sam #hid \+", a.line())
        assert rooms_of(out)["hid"] == "1"


@test
def voice():
    """MODE #room +v NICK / -v NICK by the opener: `+` in NAMES, WHO and
    WHOIS, one sign only (@ first); 401/441 for a nick not there; the mark
    goes with the member when it leaves the room, on any door."""
    with Srv() as s:
        a, b, c = s.irc("vic"), s.irc("val"), s.irc("vin")
        for k in (a, b):
            k.say("JOIN #v")
            k.until(" 366 ")
        a.line()
        n = s.natter()
        n.cmd("/join v")
        a.line(), b.line()
        b.say("MODE #v +v val")
        assert re.fullmatch(r":\S+ 482 val #v :You're not channel operator", b.line())
        a.say("MODE #v +v VAL")
        assert a.line() == b.line() == ":vic!vic@natter MODE #v +v val"
        assert natter_sync(n) == [], "a natter member was told of a mode"
        assert names_of(c, "v") == {"@vic", "+val", n.nick}
        rows, _ = who(c, "#v")
        assert rows["val"] == ("#v", "H+") and rows["vic"] == ("#v", "H@"), rows
        c.say("WHOIS val")
        assert [l for l in c.until(" 318 ") if " 319 " in l][0].endswith(":+#v")
        a.say("MODE #v +v vic")                 # one sign: the highest
        a.line(), b.line()
        assert names_of(c, "v") == {"@vic", "+val", n.nick}
        a.say("MODE #v +v %s" % n.nick)         # a natter member too
        a.line(), b.line()
        assert "+" + n.nick in names_of(c, "v")
        a.say("MODE #v +v nobody")
        assert re.fullmatch(r":\S+ 401 vic nobody :No such nick/channel", a.line())
        a.say("MODE #v +v vin")
        assert re.fullmatch(r":\S+ 441 vic vin #v :They aren't on that channel", a.line())
        a.say("MODE #v +v")
        assert re.fullmatch(r":\S+ 461 vic MODE :Not enough parameters", a.line())
        a.say("MODE #v +k key")
        assert re.fullmatch(r":\S+ 472 vic k :is unknown mode char to me", a.line())
        a.say("MODE #v -v val")
        assert a.line() == b.line() == ":vic!vic@natter MODE #v -v val"
        assert "val" in names_of(c, "v")
        # leaving the room drops it: PART on IRC, /join elsewhere on natter
        a.say("MODE #v +v val")
        a.line(), b.line()
        b.say("PART #v")
        b.line(), a.line(), n.line()
        b.say("JOIN #v")
        b.until(" 366 ")
        a.line(), n.line()
        n.cmd("/join lobby")
        a.line(), b.line()
        n.cmd("/join v")
        a.line(), b.line()
        assert names_of(c, "v") == {"@vic", "val", n.nick}


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
