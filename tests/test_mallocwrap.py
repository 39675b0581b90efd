#!/usr/bin/env python3
"""No heap allocation after start-up: a busy session against the test build
build/test/natterd-mallocwrap, whose malloc/calloc/realloc/free print
"malloc after start-up" and abort once the ready line is out.

  tests/test_mallocwrap.py [--binary PATH]

The session: 50 clients in ten rooms, chat, actions, private messages, nick
changes, every kind of refused line, /who /rooms /stats /help, a full table,
a client that never reads pushed out as too slow, EOF with a partial line,
/quit and plain disconnects, then SIGTERM with clients still connected. The
server must survive it all, say nothing of malloc, and exit 0.
"""
import argparse, os, signal, socket, struct, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlib                                       # noqa: E402
from natlib import Server, Suite, connect_lobby, pump, adopt, open_socket, lines_until  # noqa: E402

BINARY = os.path.join(natlib.BUILD, "test", "natterd-mallocwrap")
N = 50


def session(srv):
    cs = connect_lobby(srv, N)
    rooms = ["r%d" % (i % 10) for i in range(N)]
    for i, c in enumerate(cs):
        c.say("/nick user%02d" % i)
        lines_until(c, r"= nick: you are now user%02d" % i)
        c.nick = "user%02d" % i
    for c, room in zip(cs, rooms):
        c.say("/join " + room.upper())
        lines_until(c, r"= join: you are in %s \(\d+ users?\)" % room)
    for c in cs:                    # skip the events of all that
        c.say("/stats")
        lines_until(c, r"= stats: .*")
    # chat: everyone says a line and an action; every room member hears it
    for c in cs:
        c.say("hello from %s \u20ac" % c.nick)
        c.say("/me waves")
    for i, c in enumerate(cs):
        mates = [d for j, d in enumerate(cs) if rooms[j] == rooms[i] and d is not c]
        heard = pump(reads={c: 2 * len(mates)})[c]
        for d in mates:
            for want in ("<%s> hello from %s \u20ac" % (d.nick, d.nick), "* %s waves" % d.nick):
                if want not in heard:
                    raise AssertionError("%s did not hear %r" % (c.nick, want))
    # private messages, across rooms and to yourself
    for i, c in enumerate(cs):
        c.say("/msg %s psst %d" % (cs[(i + 7) % N].nick.upper(), i))
    for i, c in enumerate(cs):
        c.expect(r"\*%s\* psst %d" % (cs[(i - 7) % N].nick, (i - 7) % N))
    # commands and every kind of refused line
    for c in cs[:10]:
        for line in ("/who", "/rooms", "/stats", "/help"):
            c.say(line)
        c.send(b"x" * 600 + b"\n" + b"\xc0\xaf\n" + b"a\x1bb\n" + b"/bogus\n" + b"/nick 1x\n" +
               b"/join bad!\n" + b"/msg nobody hi\n" + b"/nick\n" + b"/nick %s\n" % cs[-1].nick.encode())
        for code in ("line-too-long", "bad-utf8", "bad-char", "unknown-command", "bad-nick",
                     "bad-room", "no-such-nick", "usage", "nick-taken"):
            lines_until(c, r"! %s: .*" % code)
    # rename, move, leave: events flow
    for i, c in enumerate(cs[10:20]):
        c.say("/nick renamed%02d" % i)
        lines_until(c, r"= nick: you are now renamed%02d" % i)
        c.say("/join elsewhere")
        lines_until(c, r"= join: you are in elsewhere .*")
    # the table is full: one more is refused
    extra = srv.connect(greet=False)
    extra.expect(r"! full: .*")
    if extra.eof():
        raise AssertionError("lines after ! full")
    extra.close()
    # quit, disconnect, EOF with a partial line
    for c in cs[20:25]:
        c.say("/quit bye")
        lines_until(c, r"= bye: .*")
        c.eof()
    for c in cs[25:30]:
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
    for c in cs[30:35]:
        c.send("last words\nhalf a line")
        c.sock.shutdown(socket.SHUT_WR)
        c.eof()
    # a client that never reads, in a room with a flooder and a reader
    slow = adopt(open_socket(srv.host, srv.port, rcvbuf=4096))
    slow.say("/join flood")
    slow.expect(r"= join: you are in flood \(1 user\)")
    f, r = cs[35], cs[36]
    for c in (f, r):
        c.say("/join flood")
        lines_until(c, r"= join: you are in flood .*")
    barrier_skip(r)
    sent = [0]
    event = "-- %s disconnected (too slow)" % slow.nick

    def flood():
        for i in range(100000):
            sent[0] = i + 1
            yield ("%06d %s\n" % (i, "F" * 400)).encode()
    got = pump(sends={f: flood()}, reads={r: None},
               stop=lambda g: any(l == event for l in g[r][-700:]),
               gate=lambda c, g: sent[0] - len(g[r]) < 64, timeout=natlib.TIMEOUT * 6)
    if event not in got[r]:
        raise AssertionError("no too-slow event")
    slow.close()
    # everyone left standing still works
    alive = cs[:20] + cs[35:]
    for c in alive:
        barrier_skip(c)
    return alive


def barrier_skip(c):
    c.say("/stats")
    lines_until(c, r"= stats: .*")


def malloc_session(path):
    if not os.path.exists(path):
        raise AssertionError("%s is missing (make test-builds)" % path)
    natlib.raise_fd_limit(1024)
    srv = Server("host", ["-c", str(N), "--rate", "0"], binary_path=path)
    srv.start()
    try:
        try:
            alive = session(srv)
        except Exception:
            err = srv.stderr()
            if "malloc after start-up" in err:
                raise AssertionError("natterd allocated after start-up: %s" % err.strip()[-300:])
            if srv.proc.poll() is not None:
                raise AssertionError("natterd died (status %s): %s" % (srv.proc.returncode, err.strip()[-300:]))
            raise
        # SIGTERM with clients connected
        srv.proc.send_signal(signal.SIGTERM)
        for c in alive:
            got = c.eof()
            if not got or not got[-1].startswith("! shutdown: "):
                raise AssertionError("%s got %r at shutdown" % (c.nick, got[-2:]))
        rc = srv.proc.wait(natlib.TIMEOUT * 2)
        err = srv.stderr()
        if "malloc after start-up" in err:
            raise AssertionError("natterd allocated after start-up: %s" % err.strip()[-300:])
        if rc != 0:
            raise AssertionError("natterd exited %s (stderr: %s)" % (rc, err.strip()[-300:]))
    finally:
        if srv.proc.poll() is None:
            srv.proc.kill()
            srv.proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=BINARY)
    opt = ap.parse_args()
    suite = Suite("malloc: ")
    suite.run("no-heap-after-start-up", malloc_session, opt.binary)
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
