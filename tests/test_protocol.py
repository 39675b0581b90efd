#!/usr/bin/env python3
"""Integration tests: natterd held to PROTOCOL.md, over real sockets.

Every test starts its own natterd (natlib.Server: -p 0 -b 127.0.0.1 -q) and
talks to it with natlib.Client. No sleeps for synchronisation: lines are read
with timeouts, and "nothing arrives" is asserted with a round trip through
the server (natlib.barrier: /stats and its reply) followed by a short quiet().
At the end of each test the server must still be running, and must exit 0
on SIGTERM.

  tests/test_protocol.py [--target host|armhf|armel|aarch64] [--smoke]
                         [--only NAME[,NAME]] [--list]

Under qemu (any target but host) every timeout is multiplied (see SCALE).
Environment: NATTER_TEST_TIMEOUT (base line timeout, default 10 s).
"""
import argparse, os, random, re, signal, socket, struct, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlib                                       # noqa: E402
from natlib import (Server, TestServer, Suite, Skip, barrier, connect_lobby, pump,   # noqa: E402
                    adopt, open_socket, lines_until)

TARGET = "host"
SCALE = 1.0            # timeout factor; 3 under qemu
QUIET = 0.15           # seconds of silence asserted after a barrier
TESTS = []             # (name, function, in smoke subset)


def test(smoke=False):
    def reg(fn):
        TESTS.append((fn.__name__, fn, smoke))
        return fn
    return reg


# --------------------------------------------------------------------------
# small helpers

def Srv(args=(), **kw):
    """natlib.TestServer for TARGET."""
    return TestServer(TARGET, args, **kw)


def want(c, text, timeout=None):
    """The next line c receives is exactly text."""
    line = c.line(timeout)
    if line != text:
        raise AssertionError("%s: expected %r, got %r" % (c.nick, text, line))
    return line


def want_re(c, pattern, timeout=None):
    line = c.line(timeout)
    if line is None or not re.fullmatch(pattern, line):
        raise AssertionError("%s: expected /%s/, got %r" % (c.nick, pattern, line))
    return line


def want_err(c, code, timeout=None):
    """The next line is the error `! CODE: some text`."""
    return want_re(c, r"! %s: \S.*" % re.escape(code), timeout)


def quiet(*clients, wait=None):
    """Nothing more for these clients: a barrier each, then a bounded wait."""
    barrier(*clients)
    for c in clients:
        c.quiet(wait if wait is not None else QUIET)


def ask(c, line):
    """Sends line from c; returns c (for want(ask(c, "/who"), ...))."""
    c.say(line)
    return c


def join(c, room, users=None):
    c.say("/join " + room)
    if users is None:
        line = want_re(c, r"= join: you are in %s \(\d+ users?\)" % re.escape(room.lower()))
    else:
        line = want(c, "= join: you are in %s (%s)" % (room.lower(), plural(users)))
    return line


def plural(n):
    return "1 user" if n == 1 else "%d users" % n


def x(s):
    return re.escape(s)


def eof(c, timeout=None):
    """Lines until EOF (which must come within the timeout)."""
    return c.eof(timeout)


def send_bytes_one_by_one(c, data):
    for i in range(len(data)):
        c.send(data[i:i + 1])


def stats(c):
    c.say("/stats")
    line = want_re(c, r"= stats: uptime (\d+)s, connections (\d+)/(\d+), rooms (\d+), messages (\d+)")
    m = re.fullmatch(r"= stats: uptime (\d+)s, connections (\d+)/(\d+), rooms (\d+), messages (\d+)", line)
    return dict(zip(("uptime", "conns", "max", "rooms", "messages"), map(int, m.groups())))


# The reference for what the server does with one line that is not a
# command: ("err", code), ("ignore",) or ("msg", text). PROTOCOL.md, Errors.
def classify(content):
    if content.endswith(b"\r"):
        content = content[:-1]
    if len(content) > 510:
        return ("err", "line-too-long")
    try:
        s = content.decode("utf-8")   # strict: overlong, surrogates, >U+10FFFF fail
    except UnicodeDecodeError:
        return ("err", "bad-utf8")
    for ch in s:
        o = ord(ch)
        if (o < 0x20 and ch != "\t") or o == 0x7F or 0x80 <= o <= 0x9F:
            return ("err", "bad-char")
    if s.strip(" ") == "":
        return ("ignore",)
    assert not s.startswith("/") or s.startswith("//")
    return ("msg", s[1:] if s.startswith("//") else s)


# --------------------------------------------------------------------------
# session, greeting, nicks

@test(smoke=True)
def welcome_and_guest_nicks():
    with Srv() as s:
        a = s.conn()           # natlib checks the greeting's exact form
        if not re.fullmatch(r"guest\d+", a.nick):
            raise AssertionError("guest nick %r is not guestN" % a.nick)
        b = s.conn()
        want(a, "-- %s joined lobby" % b.nick)
        c = s.conn()
        want(a, "-- %s joined lobby" % c.nick)
        want(b, "-- %s joined lobby" % c.nick)
        nicks = {a.nick.lower(), b.nick.lower(), c.nick.lower()}
        if len(nicks) != 3:
            raise AssertionError("guest nicks not unique: %s" % nicks)
        quiet(a, b, c)          # no one hears about their own arrival


@test()
def welcome_host_name():
    with Srv(["-H", "pi-kitchen"]) as s:
        a = s.conn(greet=False)
        want_re(a, r"= welcome: natter/1 on pi-kitchen; you are guest\d+ in lobby; /help for commands")
    with Srv() as s:
        a = s.conn(greet=False)
        want_re(a, r"= welcome: natter/1 on %s; you are guest\d+ in lobby; /help for commands"
                % x(socket.gethostname()))


@test()
def welcome_means_in_lobby():
    # Once a client has its greeting it is in the lobby: a message sent
    # right after reaches it.
    with Srv() as s:
        a = s.conn()
        for _ in range(5):
            b = s.conn()
            a.say("hi " + b.nick)
            want(b, "<%s> hi %s" % (a.nick, b.nick))
            want(a, "-- %s joined lobby" % b.nick)
            b.say("/quit")
            want_re(b, r"= bye: .*")
            eof(b)
            want(a, "-- %s quit" % b.nick)


@test()
def guest_nick_never_taken():
    # A guestN nick someone took with /nick is not handed out again, in
    # any case.
    with Srv() as s:
        a, b = s.lobby(2)
        n = max(int(a.nick[5:]), int(b.nick[5:]))
        held = set()
        for k, c in enumerate((a, b)):
            new = ("GUEST%d" if k == 0 else "guest%d") % (n + 1 + k)
            c.say("/nick " + new)
            want(c, "= nick: you are now " + new)
            other = b if c is a else a
            want(other, "-- %s is now known as %s" % (c.nick, new))
            c.nick = new
            held.add(new.lower())
        for _ in range(4):
            d = s.conn()
            want(a, "-- %s joined lobby" % d.nick)
            want(b, "-- %s joined lobby" % d.nick)
            if d.nick.lower() in held:
                raise AssertionError("new client got %s, which is in use" % d.nick)
            held.add(d.nick.lower())
            d.say("/join elsewhere")
            want_re(d, r"= join: you are in elsewhere .*")
            want(a, "-- %s left lobby" % d.nick)
            want(b, "-- %s left lobby" % d.nick)


# --------------------------------------------------------------------------
# messages

@test(smoke=True)
def message_to_room_not_echoed():
    with Srv() as s:
        a, b, c = s.lobby(3)
        d = s.conn()
        for o in (a, b, c):
            want(o, "-- %s joined lobby" % d.nick)
        join(d, "other", 1)
        for o in (a, b, c):
            want(o, "-- %s left lobby" % d.nick)
        a.say("hello there")
        want(b, "<%s> hello there" % a.nick)
        want(c, "<%s> hello there" % a.nick)
        quiet(a, b, c, d)       # not echoed; not in another room


@test()
def message_spaces_kept():
    with Srv() as s:
        a, b = s.lobby(2)
        for text in ("  leading", "trailing  ", "  both  ", "in  the   middle", " ", "x\ty", "\t"):
            a.say(text)
            if text.strip(" ") == "":
                continue
            want(b, "<%s> %s" % (a.nick, text))
        quiet(a, b)


@test()
def empty_and_space_lines_ignored():
    with Srv() as s:
        a, b = s.lobby(2)
        a.send(b"\n   \n\r\n  \r\n" + b" " * 510 + b"\nend\n")
        want(b, "<%s> end" % a.nick)
        quiet(a, b)
        st = stats(a)
        if st["messages"] != 1:
            raise AssertionError("ignored lines were counted: messages %d, want 1" % st["messages"])


@test()
def slash_escape():
    with Srv() as s:
        a, b = s.lobby(2)
        cases = [("//etc/passwd", "/etc/passwd"), ("//", "/"), ("///x", "//x"),
                 ("// spaced ", "/ spaced "), ("//nick bob", "/nick bob")]
        for sent, got in cases:
            a.say(sent)
            want(b, "<%s> %s" % (a.nick, got))
        a.say(" /nick notacommand")          # does not start with /
        want(b, "<%s>  /nick notacommand" % a.nick)
        quiet(a, b)
        if stats(a)["messages"] != 6:
            raise AssertionError("escaped messages not counted as messages")


@test()
def no_line_looks_like_server_line():
    with Srv() as s:
        a, b = s.lobby(2)
        for text in ("-- bob joined lobby", "= who: lobby: x (1 user)", "! full: no",
                     "* %s waves" % a.nick, "*bob* psst", "<bob> hi"):
            a.say(text)
            want(b, "<%s> %s" % (a.nick, text))
        quiet(a, b)


@test()
def message_alone_counted():
    with Srv() as s:
        a = s.conn()
        join(a, "solo", 1)
        a.say("anyone?")
        quiet(a)
        if stats(a)["messages"] != 1:
            raise AssertionError("a message to an empty room must be counted")


@test()
def message_after_nick_change():
    with Srv() as s:
        a, b = s.lobby(2)
        old = a.nick
        a.say("/nick alice")
        want(a, "= nick: you are now alice")
        want(b, "-- %s is now known as alice" % old)
        a.say("hi")
        want(b, "<alice> hi")
        a.say("/me waves")
        want(b, "* alice waves")
        quiet(a, b)


# --------------------------------------------------------------------------
# commands

@test()
def me_action():
    with Srv() as s:
        a, b = s.lobby(2)
        c = s.conn()
        want(a, "-- %s joined lobby" % c.nick); want(b, "-- %s joined lobby" % c.nick)
        join(c, "elsewhere", 1)
        want(a, "-- %s left lobby" % c.nick); want(b, "-- %s left lobby" % c.nick)
        a.say("/me waves")
        want(b, "* %s waves" % a.nick)
        a.say("/ME   waves  twice  ")
        want(b, "* %s waves  twice  " % a.nick)
        a.say("/Me /slash")
        want(b, "* %s /slash" % a.nick)
        quiet(a, b, c)
        a.say("/me")
        want_err(a, "usage")
        a.say("/me    ")
        want_err(a, "usage")
        quiet(a, b)
        if stats(a)["messages"] != 3:
            raise AssertionError("actions not counted")


@test(smoke=True)
def msg_private():
    with Srv() as s:
        a, b, c = s.lobby(3)
        d = s.conn()
        for o in (a, b, c):
            want(o, "-- %s joined lobby" % d.nick)
        join(d, "far", 1)
        for o in (a, b, c):
            want(o, "-- %s left lobby" % d.nick)
        b.say("/nick Bob")
        want(b, "= nick: you are now Bob")
        want(a, "-- %s is now known as Bob" % b.nick); want(c, "-- %s is now known as Bob" % b.nick)
        b.nick = "Bob"
        a.say("/msg bob psst")
        want(b, "*%s* psst" % a.nick)
        a.say("/MSG BOB   two  words ")
        want(b, "*%s* two  words " % a.nick)
        a.say("/msg   %s across rooms" % d.nick.upper())
        want(d, "*%s* across rooms" % a.nick)
        a.say("/msg %s to myself" % a.nick.upper())
        want(a, "*%s* to myself" % a.nick)
        quiet(a, b, c, d)
        d.say("/msg bob from far")
        want(b, "*%s* from far" % d.nick)
        quiet(a, b, c, d)
        if stats(a)["messages"] != 5:
            raise AssertionError("private messages not counted as 5")


@test()
def msg_errors():
    with Srv() as s:
        a, b = s.lobby(2)
        for line, code in (("/msg nobody hi", "no-such-nick"),
                           ("/msg %s" % b.nick, "usage"),
                           ("/msg %s    " % b.nick, "usage"),
                           ("/msg", "usage"),
                           ("/msg   ", "usage"),
                           # not a valid nick, so no one holds it (see report)
                           ("/msg bad!nick hi", "no-such-nick")):
            a.say(line)
            want_err(a, code)
        quiet(a, b)
        if stats(a)["messages"] != 0:
            raise AssertionError("refused private messages were counted")
        # the old nick is gone after a change
        old = b.nick
        b.say("/nick carol")
        want(b, "= nick: you are now carol")
        want(a, "-- %s is now known as carol" % old)
        a.say("/msg %s hi" % old)
        want_err(a, "no-such-nick")
        a.say("/msg Carol hi")
        want(b, "*%s* hi" % a.nick)
        # gone after a disconnect
        b.close()
        want(a, "-- carol disconnected")
        a.say("/msg carol hi")
        want_err(a, "no-such-nick")


@test(smoke=True)
def who_sorted():
    with Srv() as s:
        cs = s.lobby(5)
        names = ["Zed", "alice", "aB", "a_c", "a-b"]
        for c, name in zip(cs, names):
            old = c.nick
            c.say("/nick " + name)
            want(c, "= nick: you are now " + name)
            for o in cs:
                if o is not c:
                    want(o, "-- %s is now known as %s" % (old, name))
            c.nick = name
        expect = "= who: lobby: a-b a_c aB alice Zed (5 users)"
        want(ask(cs[0], "/who"), expect)
        want(ask(cs[1], "/WHO extra args here"), expect)
        join(cs[2], "Solo", 1)
        for o in cs:
            if o is not cs[2]:
                want(o, "-- aB left lobby")
        want(ask(cs[2], "/who"), "= who: solo: aB (1 user)")
        want(ask(cs[0], "/who"), "= who: lobby: a-b a_c alice Zed (4 users)")
        quiet(*cs)


@test()
def who_split_long():
    # 70 nicks of 16 characters: more than 1024 bytes, so several lines.
    with Srv() as s:
        n = 70
        cs = []
        for i in range(n):
            c = s.conn()
            name = "N%02d" % i + "abcdefghijklm"
            c.say("/nick " + name)
            want(c, "= nick: you are now " + name)
            c.nick = name
            c.say("/join big")
            want(c, "= join: you are in big (%s)" % plural(i + 1))
            cs.append(c)
        q = cs[-1]
        q.say("/who")
        got = []
        lines = []
        while True:
            line = q.line()
            lines.append(line)
            if len(line.encode()) + 1 > 1024:
                raise AssertionError("/who line of %d bytes" % (len(line.encode()) + 1))
            m = re.fullmatch(r"= who: big: ([A-Za-z0-9_ -]+?)( \(\d+ users?\))?", line)
            if not m:
                raise AssertionError("bad /who line %r" % line)
            got += m.group(1).split(" ")
            if m.group(2):
                if m.group(2) != " (%d users)" % n:
                    raise AssertionError("count %r, want %d" % (m.group(2), n))
                break
        if len(lines) < 2:
            raise AssertionError("a /who reply of %d nicks fits one line?" % n)
        want_names = sorted((c.nick for c in cs), key=str.lower)
        if got != want_names:
            raise AssertionError("/who nicks %r, want %r" % (got[:5], want_names[:5]))
        quiet(q)


@test()
def rooms_sorted():
    with Srv() as s:
        cs = s.lobby(7)
        plan = ["beta", "Alpha", "zz", "beta", "a_1", "a-1"]   # cs[6] stays in lobby
        for i, (c, room) in enumerate(zip(cs, plan)):
            c.say("/join " + room)
            lines_until(c, r"= join: you are in %s \(\d users?\)" % room.lower())
        for c in cs:        # skip the events (join_rooms checks them)
            barrier_skip(c)
        expect = "= rooms: a-1(1) a_1(1) alpha(1) beta(2) lobby(1) zz(1)"
        want(ask(cs[6], "/rooms"), expect)
        want(ask(cs[0], "/ROOMS extra"), expect)
        st = stats(cs[0])
        if st["rooms"] != 6:
            raise AssertionError("stats rooms %d, want 6" % st["rooms"])
        # alpha ends when its last member leaves; lobby empties, not listed
        cs[1].say("/join beta")
        want(cs[1], "= join: you are in beta (3 users)")
        cs[6].say("/join zz")
        want(cs[6], "= join: you are in zz (2 users)")
        for c in cs:
            barrier_skip(c)
        want(ask(cs[0], "/rooms"), "= rooms: a-1(1) a_1(1) beta(3) zz(2)")
        if stats(cs[0])["rooms"] != 4:
            raise AssertionError("stats rooms must count only rooms with people")


def barrier_skip(c):
    """Reads up to and including the reply to a /stats (events before it are
    skipped: used where events were checked by another test)."""
    c.say("/stats")
    lines_until(c, r"= stats: .*")


@test()
def stats_format_and_counts():
    with Srv(["-c", 5]) as s:
        a, b = s.lobby(2)
        st = stats(a)
        if (st["conns"], st["max"], st["rooms"], st["messages"]) != (2, 5, 1, 0):
            raise AssertionError("stats %s, want connections 2/5, rooms 1, messages 0" % st)
        join(a, "solo", 1)
        want(b, "-- %s left lobby" % a.nick)
        for line in ("x", "/me y", "/msg %s z" % a.nick, "/msg %s w" % b.nick, "//slash",
                     "/msg nobody q", "/nick foo", "", "   ", "bad\x01char", "/who", "/rooms",
                     "/help", "/join solo", "/bogus", "/nick"):
            a.say(line)
        want(b, "*%s* w" % a.nick)
        a.say("/stats extra words")
        skipped, line = lines_until(a, r"= stats: .*")
        m = re.fullmatch(r"= stats: uptime (\d+)s, connections 2/5, rooms 2, messages (\d+)", line)
        if not m or m.group(2) != "5":
            raise AssertionError("got %r, want connections 2/5, rooms 2, messages 5" % line)
        if "*%s* z" % a.nick not in skipped:
            raise AssertionError("/msg to yourself not delivered: %r" % skipped)


@test()
def help_names_every_command():
    with Srv() as s:
        a = s.conn()
        for cmdline in ("/help", "/HELP me please"):
            a.say(cmdline)
            text = []
            while True:
                line = a.line()
                if line is None:
                    raise AssertionError("EOF after /help")
                if not line.startswith("= help: "):
                    raise AssertionError("help line %r" % line)
                text.append(line)
                if a.buf == b"":
                    # no more help lines already here: a barrier tells
                    a.say("/stats")
                    nxt = a.line()
                    if nxt.startswith("= stats: "):
                        break
                    if not nxt.startswith("= help: "):
                        raise AssertionError("help line %r" % nxt)
                    text.append(nxt)
                    lines_until(a, r"= stats: .*")   # rest of help then stats
                    break
            all_text = " ".join(text)
            for c in ("/nick", "/join", "/msg", "/me", "/who", "/rooms", "/stats", "/help", "/quit"):
                if not re.search(re.escape(c) + r"\b", all_text):
                    raise AssertionError("/help does not name %s: %r" % (c, all_text))
        quiet(a)


@test(smoke=True)
def quit_with_and_without_text():
    with Srv() as s:
        a, b, c, d = s.lobby(4)
        a.say("/quit")
        want_re(a, r"= bye: .*")
        if eof(a):
            raise AssertionError("lines after = bye:")
        for o in (b, c, d):
            want(o, "-- %s quit" % a.nick)
        b.say("/QUIT   see  you  ")
        want_re(b, r"= bye: .*")
        eof(b)
        for o in (c, d):
            want(o, "-- %s quit (see  you  )" % b.nick)
        c.say("/quit    ")
        want_re(c, r"= bye: .*")
        eof(c)
        want(d, "-- %s quit" % c.nick)
        quiet(d)    # in particular no "disconnected" after a quit


@test()
def quit_ends_the_session():
    # Lines after /quit in the same write are not handled.
    with Srv() as s:
        a, b = s.lobby(2)
        a.send("before\n/quit\nafter\n/nick zzz\n")
        want_re(a, r"= bye: .*")
        rest = eof(a)
        if rest:
            raise AssertionError("after = bye: got %r" % rest)
        want(b, "<%s> before" % a.nick)
        want(b, "-- %s quit" % a.nick)
        quiet(b)


@test(smoke=True)
def nick_change():
    with Srv() as s:
        a, b = s.lobby(2)
        c = s.conn()
        want(a, "-- %s joined lobby" % c.nick); want(b, "-- %s joined lobby" % c.nick)
        join(c, "other", 1)
        want(a, "-- %s left lobby" % c.nick); want(b, "-- %s left lobby" % c.nick)
        old = a.nick
        a.say("/nick alice")
        want(a, "= nick: you are now alice")
        want(b, "-- %s is now known as alice" % old)
        quiet(a, b, c)
        a.say("/nick alice")                    # same nick: reply, no one told
        want(a, "= nick: you are now alice")
        quiet(a, b)
        a.say("/nick ALICE")                    # case change of your own
        want(a, "= nick: you are now ALICE")
        want(b, "-- alice is now known as ALICE")
        a.say("/Nick   Al_1-x   ")              # spaces around, trailing ones
        want(a, "= nick: you are now Al_1-x")
        want(b, "-- ALICE is now known as Al_1-x")
        a.say("/nick abcdefghijklmnop")         # 16 characters
        want(a, "= nick: you are now abcdefghijklmnop")
        want(b, "-- Al_1-x is now known as abcdefghijklmnop")
        want(ask(a, "/who"), "= who: lobby: abcdefghijklmnop %s (2 users)" % b.nick
             if "abcdefghijklmnop" < b.nick.lower() else
             "= who: lobby: %s abcdefghijklmnop (2 users)" % b.nick)
        quiet(a, b, c)


@test()
def nick_errors_and_order():
    with Srv() as s:
        a, b = s.lobby(2)
        b.say("/nick bob")
        want(b, "= nick: you are now bob")
        want(a, "-- %s is now known as bob" % b.nick)
        b.nick = "bob"
        cases = [
            ("/nick", "usage"), ("/nick    ", "usage"), ("/nick a b", "usage"),
            ("/nick 1bad extra", "usage"), ("/nick bob extra", "usage"),
            ("/nick 1bad", "bad-nick"), ("/nick _x", "bad-nick"), ("/nick -x", "bad-nick"),
            ("/nick a.b", "bad-nick"), ("/nick abcdefghijklmnopq", "bad-nick"),
            ("/nick \u00e9t\u00e9", "bad-nick"), ("/nick a\tb", "bad-nick"), ("/nick a/b", "bad-nick"),
            ("/nick bob", "nick-taken"), ("/nick BOB", "nick-taken"), ("/nick Bob  ", "nick-taken"),
            ("/nick bOb", "nick-taken"),
            ("/nick\tx", "unknown-command"),
        ]
        for line, code in cases:
            a.say(line)
            want_err(a, code)
        quiet(a, b)     # nothing changed, no one told
        want(ask(a, "/who"), "= who: lobby: %s (2 users)" % " ".join(
            sorted([a.nick, "bob"], key=str.lower)))
        # nick-taken by a guest nick, in another room too
        c = s.conn()
        want(a, "-- %s joined lobby" % c.nick); want(b, "-- %s joined lobby" % c.nick)
        join(c, "away", 1)
        want(a, "-- %s left lobby" % c.nick); want(b, "-- %s left lobby" % c.nick)
        a.say("/nick " + c.nick.upper())
        want_err(a, "nick-taken")
        quiet(a, b, c)


@test(smoke=True)
def join_rooms():
    with Srv() as s:
        a, b, c = s.lobby(3)
        a.say("/join Games")
        want(a, "= join: you are in games (1 user)")
        want(b, "-- %s left lobby" % a.nick); want(c, "-- %s left lobby" % a.nick)
        b.say("/join games")
        want(b, "= join: you are in games (2 users)")
        want(a, "-- %s joined games" % b.nick)
        want(c, "-- %s left lobby" % b.nick)
        quiet(a, b, c)          # the joiner does not hear its own join
        b.say("/join GAMES")    # the room you are in: reply, no one told
        want(b, "= join: you are in games (2 users)")
        quiet(a, b, c)
        c.say("/join lobby")
        want(c, "= join: you are in lobby (1 user)")
        quiet(a, b, c)
        # messages stay in their room
        a.say("in games")
        want(b, "<%s> in games" % a.nick)
        c.say("in lobby")
        quiet(a, b, c)
        b.say("/join  lobby  ")
        want(b, "= join: you are in lobby (2 users)")
        want(a, "-- %s left games" % b.nick)
        want(c, "-- %s joined lobby" % b.nick)
        quiet(a, b, c)


@test()
def join_room_names():
    with Srv() as s:
        a = s.conn()
        for room in ("42", "_x", "-", "a-b_c", "ABCDEFGHIJKLMNOP", "MiXeD"):
            a.say("/join " + room)
            want(a, "= join: you are in %s (1 user)" % room.lower())
        want(ask(a, "/rooms"), "= rooms: mixed(1)")


@test()
def join_errors_and_order():
    with Srv() as s:
        a, b = s.lobby(2)
        cases = [
            ("/join", "usage"), ("/join    ", "usage"), ("/join a b", "usage"),
            ("/join bad! x", "usage"), ("/join lobby other", "usage"),
            ("/join bad!", "bad-room"), ("/join a.b", "bad-room"), ("/join abcdefghijklmnopq", "bad-room"),
            ("/join caf\u00e9", "bad-room"), ("/join a\tb", "bad-room"), ("/join #chan", "bad-room"),
            ("/join\tlobby", "unknown-command"),
        ]
        for line, code in cases:
            a.say(line)
            want_err(a, code)
        quiet(a, b)
        want(ask(a, "/who"), "= who: lobby: %s (2 users)" % " ".join(
            sorted([a.nick, b.nick], key=str.lower)))


@test()
def lobby_always_exists():
    with Srv() as s:
        a, b = s.lobby(2)
        join(a, "x", 1)
        want(b, "-- %s left lobby" % a.nick)
        join(b, "x", 2)
        want(a, "-- %s joined x" % b.nick)
        want(ask(a, "/rooms"), "= rooms: x(2)")
        c = s.conn()          # lobby is empty, and still there
        want(ask(c, "/who"), "= who: lobby: %s (1 user)" % c.nick)
        a.say("/join lobby")
        want(a, "= join: you are in lobby (2 users)")
        want(b, "-- %s left x" % a.nick)
        want(c, "-- %s joined lobby" % a.nick)
        quiet(a, b, c)


@test()
def room_ends_when_empty():
    with Srv() as s:
        a = s.conn()
        join(a, "one", 1)
        join(a, "two", 1)
        want(ask(a, "/rooms"), "= rooms: two(1)")
        b = s.conn()
        join(b, "two", 2)
        want(a, "-- %s joined two" % b.nick)
        a.close()
        want(b, "-- %s disconnected" % a.nick)
        b.say("/quit")
        want_re(b, r"= bye: .*")
        eof(b)
        c = s.conn()
        want(ask(c, "/rooms"), "= rooms: lobby(1)")
        if stats(c)["rooms"] != 1:
            raise AssertionError("rooms not freed")


@test()
def disconnect_without_quit():
    with Srv() as s:
        a, b, c = s.lobby(3)
        d = s.conn()
        for o in (a, b, c):
            want(o, "-- %s joined lobby" % d.nick)
        join(d, "elsewhere", 1)
        for o in (a, b, c):
            want(o, "-- %s left lobby" % d.nick)
        a.close()                              # clean FIN
        want(b, "-- %s disconnected" % a.nick)
        want(c, "-- %s disconnected" % a.nick)
        b.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        b.close()                              # RST
        want(c, "-- %s disconnected" % b.nick)
        quiet(c, d)
        st = stats(c)
        if st["conns"] != 2:
            raise AssertionError("connections %d after two left, want 2" % st["conns"])


@test()
def unknown_commands():
    with Srv() as s:
        a, b = s.lobby(2)
        for line in ("/", "/ ", "/ nick x", "/bogus", "/nicks x", "/who\tx", "/q", "/msgs a b",
                     "/\u00e9", "/QUITX"):
            a.say(line)
            want_err(a, "unknown-command")
        quiet(a, b)


@test()
def command_word_case_insensitive():
    with Srv() as s:
        a, b = s.lobby(2)
        a.say("/NiCk Zoe")
        want(a, "= nick: you are now Zoe")
        want(b, "-- %s is now known as Zoe" % a.nick)
        a.say("/JOIN lobby")
        want(a, "= join: you are in lobby (2 users)")
        a.say("/Rooms")
        want(a, "= rooms: lobby(2)")
        a.say("/sTaTs")
        want_re(a, r"= stats: .*")
        a.say("/HeLp")
        want_re(a, r"= help: .*")
        lines_until(ask(a, "/stats"), r"= stats: .*")
        quiet(a, b)


# --------------------------------------------------------------------------
# framing and input checks

@test(smoke=True)
def line_length_limit():
    with Srv() as s:
        a, b = s.lobby(2)
        ok = "x" * 510
        a.say(ok)
        want(b, "<%s> %s" % (a.nick, ok))
        a.send(ok + "\r\n")                     # CR not counted
        want(b, "<%s> %s" % (a.nick, ok))
        a.say("x" * 511)
        want_err(a, "line-too-long")
        a.send("x" * 511 + "\r\n")
        want_err(a, "line-too-long")
        e2 = "a" * 508 + "\u00e9"               # 510 bytes
        a.say(e2)
        want(b, "<%s> %s" % (a.nick, e2))
        a.say("a" * 509 + "\u00e9")             # 511 bytes: bytes count, not characters
        want_err(a, "line-too-long")
        a.send(ok.encode() + b"\r\r\n")        # one CR dropped, the other counts
        want_err(a, "line-too-long")
        a.send(b" " * 511 + b"\n")              # length is checked first
        want_err(a, "line-too-long")
        a.send(b"\xff" * 600 + b"\n")
        want_err(a, "line-too-long")
        a.send(b"\x01" * 511 + b"\n")
        want_err(a, "line-too-long")
        m = "/msg %s " % b.nick
        a.say(m + "y" * (510 - len(m)))
        want(b, "*%s* %s" % (a.nick, "y" * (510 - len(m))))
        quiet(a, b)
        # server lines can pass 510 bytes: <nick> + 510 is 514+ bytes
        if stats(a)["messages"] != 4:
            raise AssertionError("messages count wrong")


@test()
def long_line_discarded_across_sends():
    with Srv() as s:
        a, b = s.lobby(2)
        for _ in range(5):
            a.send("z" * 300)                   # no LF: still the same line
        a.send("tail that must not be seen\nafter\n")
        want_err(a, "line-too-long")
        want(b, "<%s> after" % a.nick)
        quiet(a, b)                             # exactly one error, no tail


@test()
def huge_line_1mb():
    with Srv() as s:
        a, b, c = s.lobby(3)
        big = b"q" * (1 << 20)
        got = pump(sends={a: [big[i:i + 65536] for i in range(0, len(big), 65536)] + [b"\nafter\n"]},
                   reads={b: 1}, timeout=natlib.TIMEOUT * 3)
        if got[b] != ["<%s> after" % a.nick]:
            raise AssertionError("after a 1 MB line, %s got %r" % (b.nick, got[b][:2]))
        want_err(a, "line-too-long")
        want(c, "<%s> after" % a.nick)
        c.say("still here")
        want(a, "<%s> still here" % c.nick)
        want(b, "<%s> still here" % c.nick)
        quiet(a, b, c)


@test(smoke=True)
def bad_utf8():
    with Srv() as s:
        a, b = s.lobby(2)
        bad = [b"\xc0\xaf", b"\xc1\xbf", b"\xe0\x80\xaf", b"\xf0\x80\x80\xaf",    # overlong
               b"\xed\xa0\x80", b"\xed\xbf\xbf",                                   # surrogates
               b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xf8\x88\x80\x80\x80",  # > U+10FFFF
               b"abc\xe2\x82", b"\xe2\x82 x", b"\xf0\x9f\x98", b"x\xc3",           # truncated
               b"\x80", b"a\xbfb", b"\xff", b"\xfe", b"ok \xc3\x28"]
        for raw in bad:
            a.send(raw + b"\n")
        a.send("/nick \xff\n".encode("latin-1"))
        a.send(b"\x01\xff\n")                   # bad-utf8 is checked before bad-char
        for raw in bad + [b"nick", b"x"]:
            want_err(a, "bad-utf8")
        good = "\u00e9t\u00e9 \u20ac \U0001F600 \uffff \u00a0 \u2028 \U0010FFFF"
        a.say(good)
        want(b, "<%s> %s" % (a.nick, good))
        quiet(a, b)


@test()
def bad_char():
    with Srv() as s:
        a, b = s.lobby(2)
        bad = [b"a\x00b", b"\x1b[31mred", b"a\rb", b"a\x7fb", "a\u0085b".encode(), b"\x01",
               b"a\x1fb", "\u0080".encode(), "x\u009f".encode(), b"\x07bell", b"x\r\r",
               b"\x0bvt", b"/nick a\x01", b"/join \x1b"]
        for raw in bad:
            a.send(raw + b"\n")
        for raw in bad:
            want_err(a, "bad-char")
        a.send(b"tab\there\n")
        want(b, "<%s> tab\there" % a.nick)
        a.send("a\u00a0b\n".encode())
        want(b, "<%s> a\u00a0b" % a.nick)
        quiet(a, b)
        if stats(a)["messages"] != 2:
            raise AssertionError("refused lines were counted")


@test()
def crlf_handling():
    with Srv() as s:
        a, b = s.lobby(2)
        a.send(b"hello\r\n")
        raw = b.raw_line()
        if raw != ("<%s> hello" % a.nick).encode():
            raise AssertionError("CRLF line arrived as %r" % raw)
        a.send(b"/nick crlf\r\n")
        want(a, "= nick: you are now crlf")
        want(b, "-- %s is now known as crlf" % a.nick)
        a.send(b"/who\r\n")
        raw = a.raw_line()
        if b"\r" in raw or not raw.startswith(b"= who: lobby: "):
            raise AssertionError("/who reply %r" % raw)
        a.send(b"/join r1 \r\n")
        want(a, "= join: you are in r1 (1 user)")
        want(b, "-- crlf left lobby")
        # a CR alone is not a line end
        a.send(b"one\rtwo\n")
        want_err(a, "bad-char")
        quiet(a, b)


@test()
def server_lines_end_with_lf_only():
    with Srv() as s:
        a, b = s.lobby(2)
        for cmd in ("/who", "/rooms", "/stats", "/help", "/nick lf", "/bogus"):
            a.send(cmd + "\r\n")
        a.send("/stats\n")
        data = b""
        deadline = time.time() + natlib.TIMEOUT
        while data.count(b"= stats: ") < 2 and time.time() < deadline:
            data += a.sock.recv(65536)
        if b"\r" in data:
            raise AssertionError("server sent a CR: %r" % data[:300])
        if not data.endswith(b"\n"):
            raise AssertionError("last line not ended by LF")


@test()
def error_check_order():
    with Srv() as s:
        a, b = s.lobby(2)
        cases = [
            (b"\xff" * 300 + b"\x01" * 300, "line-too-long"),
            (b"/nick " + b"\xff" * 600, "line-too-long"),
            (b"\x01\xc3", "bad-utf8"),
            (b"/nick \x01\xff", "bad-utf8"),
            (b"/join \x01", "bad-char"),
            (b"/bogus \x01", "bad-char"),
            (b"/nick 1x 2y", "usage"),
            (b"/join bad!room x", "usage"),
            (b"/nick 9", "bad-nick"),
            (("/nick " + b.nick.upper()).encode(), "nick-taken"),
            (b"/msg nobody", "usage"),
        ]
        for raw, code in cases:
            a.send(raw + b"\n")
        for raw, code in cases:
            want_err(a, code)
        quiet(a, b)


@test()
def eof_handles_complete_lines():
    with Srv() as s:
        a, b = s.lobby(2)
        a.send("one\ntwo\n/who\n/rooms\n/nick last\nthree\npartial line, no LF")
        a.sock.shutdown(socket.SHUT_WR)
        got = eof(a)
        if (len(got) != 3 or not got[0].startswith("= who: lobby: ") or got[1] != "= rooms: lobby(2)"
                or got[2] != "= nick: you are now last"):
            raise AssertionError("after EOF, the sender got %r" % got)
        want(b, "<%s> one" % a.nick)
        want(b, "<%s> two" % a.nick)
        want(b, "-- %s is now known as last" % a.nick)
        want(b, "<last> three")
        want(b, "-- last disconnected")
        quiet(b)


@test()
def eof_after_a_short_read():
    """The FIN comes after the server has read the client's bytes with a
    short read, which it takes to mean the socket is empty and so reads no
    more until epoll reports new input (loop/input.c). The FIN must be
    such a report: every client here is seen to disconnect."""
    with Srv() as s:
        b, = s.lobby(1)
        for i in range(20):
            a, = s.lobby(1)
            want(b, "-- %s joined lobby" % a.nick)
            a.send("line %d\n" % i)
            want(b, "<%s> line %d" % (a.nick, i))   # read, and read short
            a.sock.shutdown(socket.SHUT_WR)
            want(b, "-- %s disconnected" % a.nick)
            eof(a)
            if i % 2:   # and bytes after a short read, then the FIN with them
                c, = s.lobby(1)
                want(b, "-- %s joined lobby" % c.nick)
                c.send("first %d\n" % i)
                want(b, "<%s> first %d" % (c.nick, i))
                c.send("second %d\n" % i)
                c.sock.shutdown(socket.SHUT_WR)
                want(b, "<%s> second %d" % (c.nick, i))
                want(b, "-- %s disconnected" % c.nick)
                eof(c)
        quiet(b)


@test()
def eof_delivers_many_replies():
    with Srv() as s:
        a, b = s.lobby(2)
        n = 60
        a.send("/who\n" * n + "hi\n/quit bye now\n")
        a.sock.shutdown(socket.SHUT_WR)
        got = eof(a)
        if len(got) != n + 1 or any(not l.startswith("= who: ") for l in got[:n]) \
                or not got[n].startswith("= bye: "):
            raise AssertionError("got %d lines: %r" % (len(got), got[-3:]))
        want(b, "<%s> hi" % a.nick)
        want(b, "-- %s quit (bye now)" % a.nick)
        quiet(b)


@test()
def one_byte_writes():
    with Srv() as s:
        a, b = s.lobby(2)
        c = s.conn()
        want(a, "-- %s joined lobby" % c.nick); want(b, "-- %s joined lobby" % c.nick)
        join(c, "room1", 1)
        want(a, "-- %s left lobby" % c.nick); want(b, "-- %s left lobby" % c.nick)
        session = ("/nick alice\n/join Room1\r\nh\u00e9llo w\u00f6rld \u20ac \U0001F600\n"
                   "/who\n/me waves\n//x\n  \n/msg %s psst\n" % b.nick).encode()
        send_bytes_one_by_one(a, session)
        want(a, "= nick: you are now alice")
        want(a, "= join: you are in room1 (2 users)")
        want(c, "-- alice joined room1")
        want(c, "<alice> h\u00e9llo w\u00f6rld \u20ac \U0001F600")
        want(a, "= who: room1: alice %s (2 users)" % c.nick)
        want(c, "* alice waves")
        want(c, "<alice> /x")
        want(b, "-- %s is now known as alice" % a.nick)
        want(b, "-- alice left lobby")
        want(b, "*alice* psst")
        quiet(a, b, c)


@test()
def garbage_lines_oracle():
    # Lines built from good and bad pieces; the reference classify() says
    # what each must give; the reader's lines never carry a control char.
    rnd = random.Random(20261125)
    pieces = [b"word", b" ", b"  ", b"\t", b"\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80",
              b"\xc2\xa0", b"\x00", b"\x1b[2J", b"\r", b"\x7f", b"\xc2\x85", b"\xc2\x9f",
              b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"\xe2\x82",
              b"x" * 200, b"-- ", b"! ", b"= ", b"* ", b"<", b">", b"//"]
    lines = []
    for i in range(400):
        k = rnd.choice((1, 2, 3, 5, 8))
        line = b"".join(rnd.choice(pieces) for _ in range(k))
        if line.startswith(b"/") and not line.startswith(b"//"):
            line = b"x" + line
        if rnd.random() < 0.2:
            line += b"\r"
        lines.append(line)
    data = b"".join(l + b"\n" for l in lines)
    expect = [classify(l) for l in lines]
    errs = [e[1] for e in expect if e[0] == "err"]
    msgs = [e[1] for e in expect if e[0] == "msg"]
    chunks, i = [], 0
    while i < len(data):
        n = rnd.choice((1, 3, 7, 64, 500, 4096))
        chunks.append(data[i:i + n])
        i += n
    with Srv(["--rate", 0]) as s:
        a, b = s.lobby(2)
        got = pump(sends={a: chunks}, reads={a: len(errs), b: len(msgs)})
        got_errs = []
        for l in got[a]:
            m = re.fullmatch(r"! ([a-z0-9-]+): \S.*", l)
            if not m:
                raise AssertionError("sender got %r" % l)
            got_errs.append(m.group(1))
        if got_errs != errs:
            diff = next(i for i in range(min(len(errs), len(got_errs)) + 1)
                        if i >= len(errs) or i >= len(got_errs) or errs[i] != got_errs[i])
            raise AssertionError("error %d: got %s, want %s" % (
                diff, got_errs[diff:diff + 3], errs[diff:diff + 3]))
        want_msgs = ["<%s> %s" % (a.nick, m) for m in msgs]
        if got[b] != want_msgs:
            diff = next(i for i in range(len(msgs)) if i >= len(got[b]) or got[b][i] != want_msgs[i])
            raise AssertionError("message %d: got %r, want %r" % (diff, got[b][diff:diff + 1],
                                                                  want_msgs[diff:diff + 1]))
        for l in got[b]:
            if re.search("[\x00-\x08\x0a-\x1f\x7f\x80-\x9f]", l):
                raise AssertionError("a control character reached a reader: %r" % l)
        quiet(a, b)
        if stats(a)["messages"] != len(msgs):
            raise AssertionError("messages count")


@test()
def random_bytes():
    # 64 KiB of random bytes from one client (lines starting with / made
    # non-commands): the same oracle; others chat on meanwhile.
    rnd = random.Random(7)
    data = bytes(rnd.getrandbits(8) for _ in range(65536))
    lines = data.split(b"\n")[:-1]
    lines = [b"x" + l if l.startswith(b"/") and not l.startswith(b"//") else l for l in lines]
    data = b"".join(l + b"\n" for l in lines)
    expect = [classify(l) for l in lines]
    errs = [e[1] for e in expect if e[0] == "err"]
    msgs = [e[1] for e in expect if e[0] == "msg"]
    with Srv(["--rate", 0]) as s:
        a, b, c, d = s.lobby(4)
        got = pump(sends={a: [data[i:i + 1000] for i in range(0, len(data), 1000)]},
                   reads={a: len(errs), b: len(msgs)})
        codes = [re.fullmatch(r"! ([a-z0-9-]+): .*", l).group(1) if l.startswith("! ") else l
                 for l in got[a]]
        if codes != errs:
            raise AssertionError("sender's errors differ from the reference (%d vs %d)"
                                 % (len(codes), len(errs)))
        if got[b] != ["<%s> %s" % (a.nick, m) for m in msgs]:
            raise AssertionError("reader's lines differ from the reference")
        for l in got[b]:
            want(c, l)
            want(d, l)
        c.say("still fine")
        want(a, "<%s> still fine" % c.nick)
        want(b, "<%s> still fine" % c.nick)
        want(d, "<%s> still fine" % c.nick)
        quiet(a, b, c, d)


@test()
def half_line_does_not_block():
    with Srv(["-w", 1]) as s:
        h, b, c = s.lobby(3)
        h.send("half a line")
        for i in range(5):
            b.say("ping %d" % i)
            want(c, "<%s> ping %d" % (b.nick, i))
            want(h, "<%s> ping %d" % (b.nick, i))
            c.say("/who")
            want_re(c, r"= who: lobby: .*\(3 users\)")
        d = s.conn()
        for o in (h, b, c):
            want(o, "-- %s joined lobby" % d.nick)
        h.send(", and the rest\n")
        for o in (b, c, d):
            want(o, "<%s> half a line, and the rest" % h.nick)
        quiet(h, b, c, d)


# --------------------------------------------------------------------------
# limits

@test(smoke=True)
def full_table():
    with Srv(["-c", 3]) as s:
        a, b, c = s.lobby(3)
        for _ in range(20):                    # a flood of connects
            d = s.conn(greet=False)
            want_err(d, "full")
            rest = eof(d)
            if rest:
                raise AssertionError("after ! full: got %r" % rest)
            d.close()
        quiet(a, b, c)                         # nobody noticed
        a.say("fine")
        want(b, "<%s> fine" % a.nick)
        want(c, "<%s> fine" % a.nick)
        st = stats(a)
        if (st["conns"], st["max"]) != (3, 3):
            raise AssertionError("stats connections %d/%d, want 3/3" % (st["conns"], st["max"]))
        c.say("/quit")
        want_re(c, r"= bye: .*")
        eof(c)
        want(a, "-- %s quit" % c.nick); want(b, "-- %s quit" % c.nick)
        e = s.conn()                           # the slot is free again
        want(a, "-- %s joined lobby" % e.nick); want(b, "-- %s joined lobby" % e.nick)
        quiet(a, b, e)


@test()
def room_limit():
    # Fill the room table: each client makes its own room until one is
    # refused; the limit is build-time (MAX_ROOMS, lobby included).
    natlib.raise_fd_limit(4096)
    with Srv() as s:
        m = re.search(r"\brooms (\d+)", s.stderr())
        cap = 1100
        cs = []
        refused = None
        for i in range(cap):
            c = s.conn()
            c.say("/join r%d" % i)
            line = c.line()
            cs.append(c)
            if line.startswith("! room-limit: "):
                refused = c
                break
            if line != "= join: you are in r%d (1 user)" % i:
                raise AssertionError("join r%d: %r" % (i, line))
        if refused is None:
            raise AssertionError("no room-limit after %d rooms" % cap)
        nrooms = len(cs)            # rooms r0..r(n-2) plus lobby
        if m and int(m.group(1)) != nrooms:
            raise AssertionError("room-limit after %d rooms, the server says %s rooms"
                                 % (nrooms, m.group(1)))
        if TARGET == "host" and nrooms != 256:
            raise AssertionError("host build: %d rooms, MAX_ROOMS is 256" % nrooms)
        x_ = refused
        # nothing changed for the refused client; form before state
        want(ask(x_, "/who"), "= who: lobby: %s (1 user)" % x_.nick)
        x_.say("/join bad!")
        want_err(x_, "bad-room")
        x_.say("/join toomany extra")
        want_err(x_, "usage")
        # an existing room can still be joined
        x_.say("/join r0")
        want(x_, "= join: you are in r0 (2 users)")
        want(cs[0], "-- %s joined r0" % x_.nick)
        # a client alone in its room can move to a new one: the old slot is freed first
        cs[1].say("/join brand-new")
        want(cs[1], "= join: you are in brand-new (1 user)")
        # the lobby (empty now) always exists, even at the limit
        x_.say("/join lobby")
        want(x_, "= join: you are in lobby (1 user)")
        want(cs[0], "-- %s left r0" % x_.nick)
        y = s.conn()
        want(x_, "-- %s joined lobby" % y.nick)
        cs.append(y)
        y.say("/join another-new")
        want_err(y, "room-limit")
        # /rooms: split into lines within 1024 bytes, sorted as a whole
        y.say("/rooms")
        names = []
        while True:
            line = y.line()
            if len(line.encode()) + 1 > 1024:
                raise AssertionError("/rooms line of %d bytes" % (len(line.encode()) + 1))
            mm = re.fullmatch(r"= rooms: (.*)", line)
            if not mm:
                raise AssertionError("bad /rooms line %r" % line)
            names += mm.group(1).split(" ")
            if len(names) >= nrooms:
                break
        want_names = sorted(["r%d(1)" % i for i in range(2, nrooms - 1)] +
                            ["r0(1)", "brand-new(1)", "lobby(2)"])
        if names != want_names:
            raise AssertionError("/rooms %r... want %r..." % (names[:4], want_names[:4]))
        st = stats(y)
        if st["rooms"] != nrooms:
            raise AssertionError("stats rooms %d, want %d" % (st["rooms"], nrooms))
        quiet(y, cs[0], cs[1])
        print("# room limit: %d rooms (lobby included)" % nrooms, flush=True)


@test()
def too_slow_client():
    with Srv(["--rate", 0, "-w", 1]) as s:
        slow = s.conn(rcvbuf=4096)
        f, r = s.lobby(2)
        want(slow, "-- %s joined lobby" % f.nick)   # read only these two
        want(slow, "-- %s joined lobby" % r.nick)
        line = "F" * 400
        sent = [0]
        event = "-- %s disconnected (too slow)" % slow.nick

        def flood():
            for i in range(200000):
                sent[0] = i + 1
                yield ("%06d%s\n" % (i, line)).encode()

        scan = [0]

        def seen(got):
            if event in got[r][max(0, scan[0] - 1):]:
                return True
            scan[0] = len(got[r])
            return False
        # the flooder keeps at most 64 lines ahead of the reader, so the
        # reader is never behind by more than its queue holds
        flood_it = flood()
        got = pump(sends={f: flood_it}, reads={r: None}, stop=seen, timeout=natlib.TIMEOUT * 12,
                   gate=lambda c, got: sent[0] - len(got[r]) < 64)
        nkick = sent[0]
        # the flooder is still served: 300 more lines after the kick, and
        # everything it sent reaches the reader
        extra = nkick + 300

        def more():
            while sent[0] < extra:
                yield next(flood_it)
        got1 = pump(sends={f: more()}, reads={r: None},
                    gate=lambda c, g: sent[0] - len(got[r]) - len(g[r]) < 64,
                    stop=lambda g: len(got[r]) + len(g[r]) >= extra + 1,
                    timeout=natlib.TIMEOUT * 6)
        got[r] += got1[r]
        nflood = sent[0]
        f.say("/stats")
        got2 = pump(reads={r: nflood + 1 - len(got[r])}, timeout=natlib.TIMEOUT * 6)
        rl = got[r] + got2[r]
        if rl.count(event) != 1:
            raise AssertionError("reader saw the too-slow event %d times" % rl.count(event))
        rl.remove(event)
        expect = ["<%s> %06d%s" % (f.nick, i, line) for i in range(nflood)]
        if rl != expect:
            bad = next(i for i in range(len(expect)) if i >= len(rl) or rl[i] != expect[i])
            raise AssertionError("reader's line %d is %r" % (bad, rl[bad][:40] if bad < len(rl) else None))
        want(f, event)
        want_re(f, r"= stats: .*")
        # the slow client was told (if it could be) and closed
        rest = slow.eof(natlib.TIMEOUT * 2)
        if any(l.startswith("! ") and not l.startswith("! too-slow: ") for l in rest):
            raise AssertionError("slow client got %r" % [l for l in rest if l.startswith("! ")])
        body = [l for l in rest if l.startswith("<")]
        # the kernel may have taken part of a line when the server gave up
        # on the client: a last line cut short is fine, before EOF or
        # before the ! too-slow line (the server ends a cut line with LF
        # so that its error stands on a line of its own)
        after = rest[len(rest) - rest[::-1].index(body[-1]):] if body else []
        if body and body[-1] != expect[len(body) - 1] and expect[len(body) - 1].startswith(body[-1]) \
                and all(l.startswith("! too-slow: ") for l in after):
            body.pop()
        if body != expect[:len(body)]:
            bad = next(i for i in range(len(body)) if body[i] != expect[i])
            raise AssertionError("the slow client's line %d of %d is %r, want %r; then %r" % (
                bad, len(body), body[bad][:60], expect[bad][:60], rest[rest.index(body[bad]) + 1:][:2]))
        quiet(f, r)
        print("# too-slow after %d lines of 407 bytes; the slow client read %d lines%s"
              % (nkick, len(body), ", then ! too-slow" if rest and rest[-1].startswith("! too-slow")
                 else ", no ! too-slow line"), flush=True)


@test(smoke=True)
def shutdown_sigterm():
    for sig in (signal.SIGTERM, signal.SIGINT):
        with Srv() as s:
            a, b, c = s.lobby(3)
            join(c, "other", 1)
            want(a, "-- %s left lobby" % c.nick); want(b, "-- %s left lobby" % c.nick)
            b.send("half a line")
            s.stopped = True
            t0 = time.time()
            s.server.proc.send_signal(sig)
            for cl in (a, b, c):
                got = eof(cl)
                if not got or not re.fullmatch(r"! shutdown: \S.*", got[-1]) or len(got) != 1:
                    raise AssertionError("on %s %s got %r before EOF" % (sig.name, cl.nick, got))
            rc = s.server.proc.wait(natlib.TIMEOUT * 2)
            if rc != 0:
                raise AssertionError("exit status %s after %s" % (rc, sig.name))
            if time.time() - t0 > natlib.TIMEOUT:
                raise AssertionError("shutdown took %.1fs" % (time.time() - t0))


SHUTDOWN_DRAIN_S = 2        # docs/server.md, SIGTERM: queued output drains for up to 2 s
SHUTDOWN_MARGIN_S = 1.0
STUCK_LINES = 30          # queued inside natterd, well under too-slow (OUTQ_LEN 256)




@test()
def shutdown_with_stuck_reader():
    # A client that never reads cannot hold the shutdown beyond its bound.
    with Srv(["--rate", 0]) as s:
        slow = s.conn(rcvbuf=4096)
        a, b = s.lobby(2)
        want(slow, "-- %s joined lobby" % a.nick)
        want(slow, "-- %s joined lobby" % b.nick)
        # Fill the kernel's buffers towards slow (natterd's socket's send
        # queue, read from /proc/net/tcp, stops growing), then queue
        # STUCK_LINES more inside natterd: part way, not to too-slow.
        # Without the first step the kernel takes everything and the
        # shutdown has nothing to drain.
        sent = natlib.fill_kernel_buffers(a, b, slow, s.port)
        for i in range(sent, sent + STUCK_LINES):
            a.say("%05d" % i + "s" * 495)
        for i in range(sent, sent + STUCK_LINES):
            want(b, "<%s> %05d%s" % (a.nick, i, "s" * 495))
        sent += STUCK_LINES
        s.stopped = True
        t0 = time.time()
        s.server.proc.send_signal(signal.SIGTERM)
        for cl in (a, b):
            got = eof(cl)
            if got != [got[-1]] or not got[-1].startswith("! shutdown: "):
                raise AssertionError("%s got %r" % (cl.nick, got))
        rc = s.server.proc.wait(natlib.TIMEOUT * 2)
        took = time.time() - t0
        if rc != 0:
            raise AssertionError("exit status %s" % rc)
        # slow may read what it was owed: its lines in order, then shutdown
        got = eof(slow)
        body = [l for l in got if l.startswith("<")]
        # The bound may cut the last line short (natterd closes with part of
        # it written): every line but that one whole and in order.
        wanted = ["<%s> %05d%s" % (a.nick, i, "s" * 495) for i in range(len(body))]
        if body[-1:] and wanted[-1].startswith(body[-1]):
            body, wanted = body[:-1], wanted[:-1]
        if body != wanted:
            bad = next(i for i, l in enumerate(body) if l != "<%s> %05d%s" % (a.nick, i, "s" * 495))
            raise AssertionError("stuck reader's lines out of order: line %d of %d is %r" % (
                bad, len(body), body[bad][:40]))
        print("# shutdown with a stuck reader: %.2fs; it got %d of %d lines%s" % (
            took, len(body), sent, ", then ! shutdown" if got and got[-1].startswith("! shutdown") else ""),
            flush=True)
        # docs/server.md: "queued output drains for up to 2 seconds". The
        # stuck reader holds its queue the whole time, so natterd waits
        # the full bound; exiting after it may take a moment more
        # (SHUTDOWN_MARGIN_S, scaled under qemu), never a second bound.
        if took > SHUTDOWN_DRAIN_S + SHUTDOWN_MARGIN_S * SCALE:
            raise AssertionError("shutdown with a stuck reader took %.2f s; the drain bound is %d s"
                                 % (took, SHUTDOWN_DRAIN_S))


# --------------------------------------------------------------------------
# ordering, nothing lost, load

@test()
def order_two_senders():
    n = 300 if TARGET == "host" else 150
    with Srv(["--rate", 0]) as s:
        a, b, c, d = s.lobby(4)
        la = ["A%04d %s" % (i, "a" * (i % 50)) for i in range(n)]
        lb = ["B%04d %s" % (i, "b" * (i % 70)) for i in range(n)]
        # three lines a chunk, one chunk per sender per turn: the two
        # senders' lines reach the server interleaved
        chunk = lambda ls: ["".join(l + "\n" for l in ls[i:i + 3]).encode() for i in range(0, n, 3)]
        got = pump(sends={a: chunk(la), b: chunk(lb)}, reads={a: n, b: n, c: 2 * n, d: 2 * n},
                   per_turn=1)
        if got[c] != got[d]:
            i = next(i for i in range(2 * n) if got[c][i] != got[d][i])
            raise AssertionError("c and d differ at line %d: %r vs %r" % (i, got[c][i], got[d][i]))
        fa = ["<%s> %s" % (a.nick, l) for l in la]
        fb = ["<%s> %s" % (b.nick, l) for l in lb]
        if [l for l in got[c] if l.startswith("<%s> " % a.nick)] != fa:
            raise AssertionError("a's lines reordered or lost")
        if [l for l in got[c] if l.startswith("<%s> " % b.nick)] != fb:
            raise AssertionError("b's lines reordered or lost")
        if got[a] != fb or got[b] != fa:
            raise AssertionError("senders did not get each other's lines in order")
        who = [l.split(">", 1)[0] for l in got[c]]
        inter = sum(1 for i in range(1, 2 * n) if who[i] != who[i - 1])
        quiet(a, b, c, d)
        print("# two senders: %d switches between senders in the room's order" % inter, flush=True)


@test(smoke=True)
def flood_nothing_lost():
    flood(["--rate", 0])


@test()
def flood_nothing_lost_writev():
    """The same flood with --no-uring: one writev per client, the way a
    worker writes where the kernel refuses io_uring (under qemu-user, the
    only way, so there this is flood_nothing_lost again)."""
    flood(["--rate", 0, "--no-uring"])


def flood(args):
    nsend, nread = 4, 3
    per = 1500 if TARGET == "host" else (400 if TARGET == "armhf" else 100)
    with Srv(args) as s:
        cs = s.lobby(nsend + nread)
        senders, readers = cs[:nsend], cs[nsend:]
        texts = {c: ["%s %05d %s" % (c.nick, i, "m" * (i % 120)) for i in range(per)] for c in senders}
        t0 = time.time()
        got = pump(sends={c: ["\n".join(texts[c][i:i + 50]).encode() + b"\n"
                              for i in range(0, per, 50)] for c in senders},
                   reads=dict([(c, nsend * per) for c in readers] +
                              [(c, (nsend - 1) * per) for c in senders]),
                   timeout=natlib.TIMEOUT * 12)
        took = time.time() - t0
        first = got[readers[0]]
        for c in readers + senders:
            g = got[c]
            for snd in senders:
                mine = [l for l in g if l.startswith("<%s> " % snd.nick)]
                exp = [] if snd is c else ["<%s> %s" % (snd.nick, t) for t in texts[snd]]
                if mine != exp:
                    raise AssertionError("%s got %d of %s's %d lines (or out of order)"
                                         % (c.nick, len(mine), snd.nick, len(exp)))
            if c in readers and g != first:
                raise AssertionError("readers saw different orders")
            if c in senders and [l for l in first if not l.startswith("<%s> " % c.nick)] != g:
                raise AssertionError("%s saw a different order than the readers" % c.nick)
        quiet(*cs)
        st = stats(cs[0])
        if st["messages"] != nsend * per:
            raise AssertionError("stats messages %d, want %d" % (st["messages"], nsend * per))
        print("# flood: %d lines from %d senders to %d members in %.2fs (%.0f deliveries/s)"
              % (nsend * per, nsend, nsend + nread - 1, took,
                 nsend * per * (nsend + nread - 1) / max(took, 1e-6)), flush=True)


@test()
def thousand_clients():
    n = 1000
    natlib.raise_fd_limit(n * 2 + 100)
    with Srv() as s:
        first = s.conn()
        threads1 = s.server.threads()
        # connect the rest all at once (a burst of connects), then greetings
        socks = burst_connect(s, n - 1)
        cs = [first]
        for so in socks:
            c = adopt(so)
            cs.append(c)
            s.clients.append(c)
        threads = s.server.threads()
        nicks = [c.nick for c in cs]
        if len(set(n_.lower() for n_ in nicks)) != n:
            raise AssertionError("guest nicks not unique")
        # one order for the room: everyone sees the joins after its own, same order
        first.say("/stats")
        joins, st = lines_until(first, r"= stats: .*")
        order = [re.fullmatch(r"-- (\S+) joined lobby", l).group(1) for l in joins]
        if sorted(order) != sorted(nicks[1:]):
            raise AssertionError("first client saw %d joins, want %d" % (len(order), n - 1))
        pos = {nk: i for i, nk in enumerate(order)}
        first.say("everyone hear this")
        for c in cs[1:]:
            want_lines = ["-- %s joined lobby" % nk for nk in order[pos[c.nick] + 1:]]
            for wl in want_lines:
                want(c, wl)
            want(c, "<%s> everyone hear this" % first.nick)
        if not re.search(r"connections %d/" % n, st):
            raise AssertionError("stats %r, want %d connections" % (st, n))
        # /who with 1000 nicks: split lines, each within 1024 bytes
        q = cs[-1]
        q.say("/who")
        got = []
        while True:
            line = q.line()
            if len(line.encode()) + 1 > 1024:
                raise AssertionError("who line of %d bytes" % len(line))
            mm = re.fullmatch(r"= who: lobby: ([A-Za-z0-9_ -]+?)( \(\d+ users\))?", line)
            if not mm:
                raise AssertionError("bad who line %r" % line[:80])
            got += mm.group(1).split(" ")
            if mm.group(2):
                if mm.group(2) != " (%d users)" % n:
                    raise AssertionError("who count %r" % mm.group(2))
                break
        if got != sorted(nicks, key=str.lower):
            raise AssertionError("who list not the sorted %d nicks" % n)
        threads2 = s.server.threads()
        if not (threads1 == threads == threads2):
            raise AssertionError("threads: %d with 1 client, %d/%d with %d" % (threads1, threads, threads2, n))
        rss = s.server.rss_kib()
        # shutdown with 1000 connected
        s.stopped = True
        t0 = time.time()
        s.server.proc.send_signal(signal.SIGTERM)
        for c in cs:
            got = eof(c)
            if len(got) != 1 or not got[0].startswith("! shutdown: "):
                raise AssertionError("%s got %r at shutdown" % (c.nick, got[:3]))
        rc = s.server.proc.wait(natlib.TIMEOUT * 2)
        if rc != 0:
            raise AssertionError("exit %s" % rc)
        print("# %d clients: %d threads throughout, RSS %d KiB, shutdown %.2fs"
              % (n, threads, rss, time.time() - t0), flush=True)


def burst_connect(s, n):
    """n sockets connected at once (non-blocking connects, then wait)."""
    import select
    socks = []
    for _ in range(n):
        so = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        so.setblocking(False)
        so.connect_ex(("127.0.0.1", s.port))
        socks.append(so)
    pending = set(socks)
    deadline = time.time() + natlib.TIMEOUT * 3
    while pending and time.time() < deadline:
        _, w, _ = select.select([], list(pending)[:900], [], 1.0)
        for so in w:
            err = so.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                raise AssertionError("connect failed: %s" % os.strerror(err))
            pending.discard(so)
    if pending:
        raise AssertionError("%d connects did not complete" % len(pending))
    for so in socks:
        so.setblocking(True)
    return socks


@test()
def connect_burst_events():
    # 500 clients connect at once while r reads: r hears every join, and
    # is not taken for too slow (the joins fit its socket buffer many
    # times over); every newcomer gets its greeting first.
    n = 500
    natlib.raise_fd_limit(n * 2 + 100)
    with Srv() as s:
        r = s.conn()
        socks = burst_connect(s, n)
        got = pump(reads={r: n}, timeout=natlib.TIMEOUT * 3)
        bad = [l for l in got[r] if not re.fullmatch(r"-- guest\d+ joined lobby", l)]
        if bad:
            raise AssertionError("reader got %r among the joins" % bad[:3])
        firsts = []
        for so in socks:
            c = adopt(so, greet=False)
            s.clients.append(c)
            firsts.append(c.line())
        bad = [l for l in firsts if not re.fullmatch(natlib.GREETING_RE, l or "")]
        if bad:
            raise AssertionError("%d of %d newcomers' first line was not the greeting: %r"
                                 % (len(bad), n, bad[0]))
        quiet(r)


@test()
def mass_disconnect_events():
    # 400 clients vanish at once while r reads: r hears every one.
    n = 400
    natlib.raise_fd_limit(n * 2 + 100)
    with Srv(["-w", 1]) as s:
        r = s.conn()
        cs = []
        for i in range(n):
            c = s.conn()
            cs.append(c)
            want(r, "-- %s joined lobby" % c.nick)
        for c in cs:               # (each c's unread joins make this an RST)
            c.close()
        got = pump(reads={r: n}, timeout=natlib.TIMEOUT * 3)
        want_lines = sorted("-- %s disconnected" % c.nick for c in cs)
        if sorted(got[r]) != want_lines:
            raise AssertionError("reader got %r" % [l for l in got[r] if l not in want_lines][:3])
        quiet(r)


@test()
def rate_limit_slows_not_drops():
    with Srv(["--rate", 5, "--burst", 5]) as s:
        a, b, c, d = s.lobby(4)
        t0 = time.time()
        a.send("".join("r%02d\n" % i for i in range(20)))
        # others are served meanwhile, promptly
        lat = []
        for i in range(5):
            t1 = time.time()
            c.say("quick %d" % i)
            l = lines_until(d, r"<%s> quick %d" % (x(c.nick), i))[0]
            lat.append(time.time() - t1)
            for l_ in l:
                if not l_.startswith("<%s> r" % a.nick):
                    raise AssertionError("d got %r" % l_)
        got = []
        while len(got) < 20:
            line = b.line(natlib.TIMEOUT * 2)
            if line.startswith("<%s> " % c.nick):
                continue
            got.append(line)
        took = time.time() - t0
        if got != ["<%s> r%02d" % (a.nick, i) for i in range(20)]:
            raise AssertionError("rate-limited lines lost or reordered: %r" % got)
        if took < 2.0:
            raise AssertionError("20 lines at --rate 5 --burst 5 arrived in %.2fs (< 2 s)" % took)
        if max(lat) > 1.0 * SCALE:
            raise AssertionError("others waited %.2fs while one client was rate-limited" % max(lat))
        up = int(re.search(r"uptime (\d+)s", lines_until(ask(a, "/stats"), r"= stats: .*")[1]).group(1))
        if up < 2 or up > took + 60:
            raise AssertionError("uptime %ds after %.1fs" % (up, took))
        print("# 20 lines at 5/s burst 5: %.2fs; others' round trip max %.3fs" % (took, max(lat)),
              flush=True)


@test()
def rate_limited_eof():
    # A client that sends faster than its rate and then EOF still has every
    # complete line handled.
    with Srv(["--rate", 10, "--burst", 2]) as s:
        a, b = s.lobby(2)
        a.send("".join("e%02d\n" % i for i in range(12)) + "/who\n")
        a.sock.shutdown(socket.SHUT_WR)
        for i in range(12):
            want(b, "<%s> e%02d" % (a.nick, i))
        want(b, "-- %s disconnected" % a.nick)
        got = eof(a)
        if len(got) != 1 or not got[0].startswith("= who: "):
            raise AssertionError("sender got %r" % got)


@test()
def nick_race():
    # Two clients ask for the same nick at once: exactly one gets it.
    with Srv() as s:
        a, b = s.lobby(2)
        for i in range(40):
            name = "Race%d" % i
            a.send("/nick %s\n" % name)
            b.send("/nick %s\n" % name.upper())
            # the winner gets its reply; the loser its error and the
            # winner's event, in either order
            ra = a.line()
            winner, loser = (a, b) if ra.startswith("= nick: ") else (b, a)
            new = name if winner is a else name.upper()
            if winner is a:
                if ra != "= nick: you are now " + new:
                    raise AssertionError("round %d: %r" % (i, ra))
                got = sorted([b.line(), b.line()])
            else:
                got = sorted([ra, a.line()])
                want(b, "= nick: you are now " + new)
            if (len(got) != 2 or not got[0].startswith("! nick-taken: ")
                    or got[1] != "-- %s is now known as %s" % (winner.nick, new)):
                raise AssertionError("round %d: the loser got %r" % (i, got))
            winner.nick = new
        quiet(a, b)


@test()
def join_race():
    # Clients entering a new room at once all end up in one room.
    with Srv() as s:
        cs = s.lobby(4)
        for i in range(20):
            room = "race%d" % i
            for c in cs:
                c.send("/join %s\n" % room)
            counts = []
            for c in cs:
                _, line = lines_until(c, r"= join: you are in %s \(\d users?\)" % room)
                counts.append(int(re.search(r"\((\d)", line).group(1)))
            if sorted(counts) != [1, 2, 3, 4]:
                raise AssertionError("round %d: join counts %s" % (i, counts))
            for c in cs:
                barrier_skip(c)
            want(ask(cs[0], "/rooms"), "= rooms: %s(4)" % room)


@test()
def slot_reuse_no_stale_lines():
    # A client leaves with lines still queued; the next one to connect
    # (probably in the same slot) gets none of them.
    with Srv(["--rate", 0]) as s:
        f = s.conn()
        for i in range(10):
            old = s.conn(rcvbuf=4096)
            want(f, "-- %s joined lobby" % old.nick)
            f.send("".join("stale %d %03d %s\n" % (i, k, "s" * 300) for k in range(100)))
            barrier(f)
            old.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            old.close()
            want(f, "-- %s disconnected" % old.nick)
            new = s.conn()                   # greeting checked by natlib
            want(f, "-- %s joined lobby" % new.nick)
            f.say("marker %d" % i)
            want(new, "<%s> marker %d" % (f.nick, i))
            quiet(new)
            new.say("/quit")
            want_re(new, r"= bye: .*")
            eof(new)
            lines_until(f, r"-- %s quit" % x(new.nick))


@test()
def default_rate_slows_not_drops():
    # Default limits (200 lines/s, burst 400): 700 lines at once are all
    # delivered, in order, and take at least (700 - 400) / 200 = 1.5 s.
    with Srv() as s:
        a, b = s.lobby(2)
        n = 700
        t0 = time.time()
        got = pump(sends={a: ("".join("d%04d\n" % i for i in range(n))).encode()}, reads={b: n},
                   timeout=natlib.TIMEOUT * 3)
        took = time.time() - t0
        if got[b] != ["<%s> d%04d" % (a.nick, i) for i in range(n)]:
            raise AssertionError("lines lost or reordered")
        if took < 1.2:
            raise AssertionError("%d lines at the default rate arrived in %.2fs" % (n, took))
        quiet(a, b)
        print("# %d lines at the default rate: %.2fs" % (n, took), flush=True)


@test()
def ipv6_loopback():
    if not socket.has_ipv6:
        raise natlib.Cannot("no IPv6 in this Python")
    with Srv(bind="::1") as s:
        a = s.conn()
        b = s.conn()
        want(a, "-- %s joined lobby" % b.nick)
        a.say("over v6")
        want(b, "<%s> over v6" % a.nick)


@test()
def lines_before_vanishing_are_handled():
    # A client pipes 1,200 lines, ends its side, and closes before natterd
    # (rate-limited) has worked through them. Writing to it then fails,
    # but every complete line it had sent is still delivered.
    with Srv() as s:
        w = s.conn()
        gone = s.conn()
        w.line()                                    # gone's join
        gone.send(b"".join(b"line %d\n" % i for i in range(1200)))
        gone.sock.shutdown(socket.SHUT_WR)
        first = w.line()
        assert first == "<%s> line 0" % gone.nick, first
        gone.close()                                # unread lines left behind
        s.conn()                                    # its join line hits the dead socket
        skipped, _ = lines_until(w, r"-- %s disconnected" % gone.nick, timeout=30 * SCALE)
        got = [l for l in skipped if l.startswith("<%s> " % gone.nick)]
        assert got == ["<%s> line %d" % (gone.nick, i) for i in range(1, 1200)], (len(got), got[-3:])


# --------------------------------------------------------------------------

def main():
    global TARGET, SCALE, QUIET
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--target", default="host", choices=("host", "armhf", "armel", "aarch64"))
    ap.add_argument("--smoke", action="store_true", help="only the smoke subset")
    ap.add_argument("--only", help="comma-separated test names (substring match)")
    ap.add_argument("--list", action="store_true")
    opt = ap.parse_args()
    TARGET = opt.target
    tests = [(n, f) for n, f, smoke in TESTS if smoke or not opt.smoke]
    if opt.only:
        pats = opt.only.split(",")
        tests = [(n, f) for n, f in tests if any(p in n for p in pats)]
    if opt.list:
        for n, _ in tests:
            print(n)
        return 0
    if TARGET != "host":
        SCALE = 3.0
        QUIET = 0.3
    natlib.TIMEOUT = float(os.environ.get("NATTER_TEST_TIMEOUT", "10")) * SCALE
    prefix = "protocol-%s%s: " % (TARGET, "-smoke" if opt.smoke else "")
    suite = Suite(prefix)
    path = natlib.binary(TARGET)
    if not os.path.exists(path):
        natlib.result("FAIL", prefix + "binary", "%s is missing (make TARGET=%s)" % (path, TARGET))
        return 1
    t0 = time.time()
    for name, fn in tests:
        suite.run(name, fn)
    print("# %d tests in %.1fs" % (len(tests), time.time() - t0), flush=True)
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
