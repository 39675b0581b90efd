#!/usr/bin/env python3
"""The web door held to PROTOCOL.md ("Other doors": WebSocket, HTTP) and
RFC 6455, with raw sockets (standard library only): the page, /metrics,
HTTP errors and limits, the handshake, frames, close codes, and chat
between WebSocket and natter line clients in one room."""
import argparse, base64, gzip, hashlib, os, re, select, socket, struct, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlib
from natlib import Server, Suite, Skip

TARGET = "host"
TESTS = []
RFC_KEY, RFC_ACCEPT = "dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test(fn):
    TESTS.append((fn.__name__.replace("test_", "").replace("_", "-"), fn))
    return fn


class WebServer(Server):
    """natterd with its web door on a free port; .web is that port."""

    def __init__(self, args=(), **kw):
        Server.__init__(self, TARGET, args=["--web", "0"] + list(args), **kw)

    def start(self, timeout=None):
        Server.start(self, timeout)
        m = re.search(r"; web (?:\[[0-9a-fA-F:.]*\]|[0-9.]+):(\d+)", self.stderr())
        if not m:
            raise AssertionError("no web listener in the ready line: %r" % self.stderr()[-300:])
        self.web = int(m.group(1))
        return self

    def pair(self):
        """A line client and a WebSocket client in the lobby, the line
        client past the WebSocket client's join."""
        c = self.connect()
        ws = WS(self.web)
        c.expect(r"-- %s joined lobby" % ws.nick)
        return c, ws


def http(port, head, timeout=None):
    """Sends a raw request head; returns (status, headers dict, body bytes)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout or natlib.TIMEOUT)
    s.sendall(head.encode() if isinstance(head, str) else head)
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    s.close()
    return parse_response(data)


def parse_response(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.1 (\d{3}) ", lines[0] + " ")
    if not m:
        raise AssertionError("not an HTTP response: %r" % data[:200])
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return int(m.group(1)), hdrs, body


def get(port, path, extra="", method="GET"):
    return http(port, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s\r\n" % (method, path, port, extra))


class WS:
    """A WebSocket client: masked frames out, frames in with a timeout."""

    def __init__(self, port, origin=None, key=RFC_KEY, greet=True, extra="", sock=None):
        self.sock = sock or socket.create_connection(("127.0.0.1", port), timeout=natlib.TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        head = ("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                % (port, key))
        if origin:
            head += "Origin: %s\r\n" % origin
        self.sock.sendall((head + extra + "\r\n").encode())
        while b"\r\n\r\n" not in self.buf:
            if not self.fill():
                raise AssertionError("closed during the handshake: %r" % self.buf)
        resp, self.buf = self.buf.split(b"\r\n\r\n", 1)
        self.status, self.headers, _ = parse_response(resp + b"\r\n\r\n")
        self.nick = None
        if self.status == 101 and greet:
            line = self.text()
            m = re.fullmatch(natlib.GREETING_RE, line or "")
            if not m:
                raise AssertionError("unexpected greeting %r" % line)
            self.nick = m.group(1)

    def fill(self, timeout=None):
        r, _, _ = select.select([self.sock], [], [], natlib.TIMEOUT if timeout is None else timeout)
        if not r:
            raise TimeoutError("nothing within the timeout; have %r" % self.buf[:100])
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        self.buf += chunk
        return bool(chunk)

    def frame(self, timeout=None):
        """(fin, opcode, payload), or None at EOF."""
        deadline = time.time() + (natlib.TIMEOUT if timeout is None else timeout)
        while True:
            if len(self.buf) >= 2:
                b0, b1 = self.buf[0], self.buf[1]
                if b1 & 0x80:
                    raise AssertionError("the server masked a frame")
                n, off = b1 & 127, 2
                if n == 126 and len(self.buf) >= 4:
                    n, off = struct.unpack(">H", self.buf[2:4])[0], 4
                elif n == 127 and len(self.buf) >= 10:
                    n, off = struct.unpack(">Q", self.buf[2:10])[0], 10
                if (b1 & 127) < 126 or off > 2:
                    if len(self.buf) >= off + n:
                        p = self.buf[off:off + n]
                        self.buf = self.buf[off + n:]
                        return b0 >> 7, b0 & 15, p
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("no frame within timeout; have %r" % self.buf[:100])
            if not self.fill(left):
                return None

    def text(self, timeout=None):
        """The next text frame's line (pongs skipped); None at EOF."""
        while True:
            f = self.frame(timeout)
            if f is None:
                return None
            fin, op, p = f
            if op == 10:
                continue
            if op != 1 or not fin:
                raise AssertionError("expected a text frame, got opcode %d fin %d %r" % (op, fin, p[:60]))
            if p.endswith(b"\n"):
                raise AssertionError("a frame carries the LF: %r" % p)
            return p.decode()

    def expect(self, pattern, timeout=None):
        l = self.text(timeout)
        if l is None or not re.fullmatch(pattern, l):
            raise AssertionError("expected %r, got %r" % (pattern, l))
        return l

    def send_frame(self, op, payload=b"", fin=True, mask=True, rsv=0):
        if isinstance(payload, str):
            payload = payload.encode()
        n = len(payload)
        head = bytes([(0x80 if fin else 0) | rsv | op])
        mbit = 0x80 if mask else 0
        if n < 126:
            head += bytes([mbit | n])
        elif n < 65536:
            head += bytes([mbit | 126]) + struct.pack(">H", n)
        else:
            head += bytes([mbit | 127]) + struct.pack(">Q", n)
        if mask:
            key = os.urandom(4)
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
            head += key
        self.sock.sendall(head + payload)

    def say(self, text):
        self.send_frame(1, text)

    def close_frame(self, timeout=None):
        """Reads up to the server's close frame; returns its status (or None)."""
        while True:
            f = self.frame(timeout)
            if f is None:
                raise AssertionError("EOF without a close frame")
            if f[1] == 8:
                return struct.unpack(">H", f[2][:2])[0] if len(f[2]) >= 2 else None

    def eof(self, timeout=None):
        deadline = time.time() + (natlib.TIMEOUT if timeout is None else timeout)
        while time.time() < deadline:
            if not self.fill(deadline - time.time()):
                return True
        raise AssertionError("the server did not close")

    def close(self):
        self.sock.close()


# --- HTTP ------------------------------------------------------------------

@test
def test_page():
    with WebServer() as s:
        gz = "Accept-Encoding: gzip, deflate\r\n"
        st, h, body = get(s.web, "/", gz)
        if st != 200 or not h.get("content-type", "").startswith("text/html"):
            raise AssertionError("GET / gave %d %r" % (st, h))
        if h.get("content-encoding") != "gzip" or int(h["content-length"]) != len(body):
            raise AssertionError("headers %r, body %d bytes" % (h, len(body)))
        if len(body) > 16384:
            raise AssertionError("the page is %d bytes gzipped, over 16 KiB" % len(body))
        page = gzip.decompress(body).decode()
        for want in ("<!doctype html>", "aria-live", "prefers-color-scheme", "WebSocket", "/history"):
            if want not in page:
                raise AssertionError("the page lacks %r" % want)
        # Nothing from outside the LAN: no external scripts, fonts or styles.
        if re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", page) or "@import" in page or "innerHTML" in page:
            raise AssertionError("the page loads something from elsewhere or writes HTML")
        etag = h.get("etag")
        if not etag or not etag.startswith('"'):
            raise AssertionError("no ETag: %r" % h)
        st2, h2, b2 = get(s.web, "/", gz + "If-None-Match: %s\r\n" % etag)
        if st2 != 304 or b2:
            raise AssertionError("If-None-Match with the ETag gave %d and %d bytes" % (st2, len(b2)))
        st3, h3, b3 = get(s.web, "/", gz, method="HEAD")
        if st3 != 200 or b3 or int(h3["content-length"]) != len(body):
            raise AssertionError("HEAD / gave %d, %d bytes, %r" % (st3, len(b3), h3))
        # A client that does not take gzip (curl, nc, a script) gets the
        # page itself, with an ETag of its own.
        for extra in ("", "Accept-Encoding: identity\r\n", "Accept-Encoding: gzip;q=0\r\n"):
            st4, h4, b4 = get(s.web, "/", extra)
            if st4 != 200 or "content-encoding" in h4 or b4.decode() != page:
                raise AssertionError("GET / with %r gave %d %r, %d bytes" % (extra, st4, h4, len(b4)))
            if int(h4["content-length"]) != len(b4) or h4.get("etag") in (None, etag):
                raise AssertionError("identity page headers %r" % h4)
        st5, _, b5 = get(s.web, "/", "If-None-Match: %s\r\n" % h4["etag"])
        if st5 != 304 or b5:
            raise AssertionError("If-None-Match with the identity ETag gave %d" % st5)
        st6, _, b6 = get(s.web, "/", "If-None-Match: %s\r\n" % etag)
        if st6 != 200 or b6.decode() != page:
            raise AssertionError("the gzip ETag matched the identity page (%d)" % st6)


@test
def test_metrics():
    with WebServer() as s:
        c, ws = s.pair()
        ws.say("counted")
        c.expect(r"<%s> counted" % ws.nick)
        st, h, body = get(s.web, "/metrics")
        if st != 200 or not h.get("content-type", "").startswith("text/plain; version=0.0.4"):
            raise AssertionError("GET /metrics gave %d %r" % (st, h))
        text = body.decode()
        want = {
            r'natter_connections\{door="line"\} 1': 1,
            r'natter_connections\{door="web"\} (2|3)': 1,   # the ws client and this request
            r"natter_messages_total 1": 1, r"natter_rooms 1": 1,
            r"natter_message_pool_used \d+": 1, r"natter_uptime_seconds \d+": 1,
            r'natter_build_info\{version="[^"]+",protocol="natter/1"\} 1': 1,
            r'natter_cuts_total\{reason="too_slow"\} 0': 1,
            r'natter_refusals_total\{reason="full"\} 0': 1,
            r"natter_full_queue_writes_total 0": 1,
            r"natter_sleeping_worker_writes_total \d+": 1,
        }
        for pat in want:
            if not re.search(r"(?m)^" + pat + "$", text):
                raise AssertionError("/metrics lacks %s:\n%s" % (pat, text[:1500]))
        for l in text.splitlines():
            if not re.fullmatch(r"# (HELP|TYPE) natter_\w+ .+|natter_\w+(\{[^}]*\})? \d+", l):
                raise AssertionError("not Prometheus text: %r" % l)


@test
def test_full_queues_written_at_once():
    """A burst fills members' queues (256 lines) before their worker has
    written them: the worker writes them at once (worker_write_full in
    loop/flush.c, counted in /metrics) rather than have the line wait.
    Every member still gets every line once, in each sender's order, and
    nobody is cut as too slow."""
    with WebServer(["--rate", "0", "-w", "2"]) as s:
        cs = natlib.connect_lobby(s, 40)
        senders, m = cs[:4], 1000
        sends = {c: b"".join(b"f %s %d\n" % (c.nick.encode(), k) for k in range(m)) for c in senders}
        want = {c: m * (len(senders) - (c in senders)) for c in cs}
        got = natlib.pump(sends, want, timeout=natlib.TIMEOUT * 10)
        for c in cs:
            natlib.check_each_sender(c.nick, got[c], "f", [x.nick for x in senders if x is not c], m)
        st, _, body = get(s.web, "/metrics")
        text = body.decode()
        n = re.search(r"(?m)^natter_full_queue_writes_total (\d+)$", text)
        print("# full queue writes: %s" % (n and n.group(1)))
        if st != 200 or not n or int(n.group(1)) == 0:
            raise AssertionError("no full queue was written at once: %s" % (n and n.group(0)))
        if not re.search(r'(?m)^natter_cuts_total\{reason="too_slow"\} 0$', text):
            raise AssertionError("a member was cut:\n%s" % text)


def ws_burst(s, n):
    """n WebSocket clients connected at once, so that they spread over the
    workers as natlib.connect_burst's do, then upgraded; each has read up
    to its own /stats reply, past the others' joins."""
    socks = []
    for _ in range(n):                  # every SYN out before any accept
        so = socket.socket()
        so.setblocking(False)
        so.connect_ex(("127.0.0.1", s.web))
        socks.append(so)
    for so in socks:
        select.select([], [so], [], natlib.TIMEOUT)
        so.setblocking(True)
        so.settimeout(natlib.TIMEOUT)
    return natlib.past_joins([WS(s.web, sock=so) for so in socks], lambda c: c.text())


def spread_burst(s, burst, tries, n=24, least=4):
    """burst(s, n) until its clients sit at least `least` on each of the
    two workers: a burst spreads them, but not always (one worker's
    accepts may all come first)."""
    base = natlib.worker_loads(s.pid())     # listeners and eventfds
    for _ in range(tries):
        cs = burst(s, n)
        loads = natlib.worker_loads(s.pid())
        if len(loads) == 2 and min(x - b for x, b in zip(loads, base)) >= least:
            return cs
        for c in cs:
            c.close()
        deadline = time.time() + natlib.TIMEOUT
        while natlib.worker_loads(s.pid()) != base and time.time() < deadline:
            time.sleep(0.01)        # polling /proc: nothing to read instead
    raise AssertionError("%d bursts of %d clients, never %d on each worker: %r"
                         % (tries, n, least, loads))


def sleeping_worker_writes(burst, read, tries, n=24, least=4, m=40):
    """m lines from one member of a spread burst, at chat pace: each of
    the others reads each line (read(client)) before the next is sent."""
    with WebServer(["--rate", "0", "-w", "2"]) as s:
        cs = spread_burst(s, burst, tries, n, least)
        sender = cs[0]
        for k in range(m):
            sender.say("s %s %d" % (sender.nick, k))
            for c in cs[1:]:
                line = read(c)
                if line != "<%s> s %s %d" % (sender.nick, sender.nick, k):
                    raise AssertionError("%s: line %d is %r" % (c.nick, k, line))
        st, _, body = get(s.web, "/metrics")
        w = re.search(r"(?m)^natter_sleeping_worker_writes_total (\d+)$", body.decode())
        print("# queues written for a sleeping worker: %s of %d" % (w and w.group(1), m * (len(cs) - 1)))
        if st != 200 or not w or int(w.group(1)) == 0:
            raise AssertionError("no queue was written for a sleeping worker: %s" % (w and w.group(0)))


@test
def test_sleeping_worker_writes():
    """At chat pace (each line sent once the one before reached everyone)
    a worker often sleeps while another fills its members' queues; that
    other worker writes them itself (add_for in loop/flush.c, counted in
    /metrics) instead of waking it. Every member gets every line once and
    in order."""
    sleeping_worker_writes(natlib.connect_burst, lambda c: c.line(), 12)


@test
def test_sleeping_worker_writes_frames():
    """The same with WebSocket members: the worker that writes their
    queues for the sleeping one makes their frames, and each arrives
    whole, once and in order. A web client's accept is light (no greeting
    until its upgrade), so one worker takes a whole burst more often: up
    to 40 bursts (1 run in 10 found no spread in 12)."""
    sleeping_worker_writes(ws_burst, lambda c: c.text(), 40)


@test
def test_sleeping_worker_writes_past_a_batch():
    """The same with 200 members, at least 70 on each worker: a worker
    writing for a sleeping one fills its batch (64 connections) partway
    and sends it there (add_for's send in mid-loop), then goes on with a
    fresh one; nothing is lost or written twice across the cut."""
    natlib.raise_fd_limit(1024)
    sleeping_worker_writes(natlib.connect_burst, lambda c: c.line(), 40, n=200, least=70, m=10)


@test
def test_http_errors():
    with WebServer() as s:
        for path, want in (("/nothing", 404), ("/ws/x", 404), ("/../etc/passwd", 404)):
            st, _, _ = get(s.web, path)
            if st != want:
                raise AssertionError("GET %s gave %d, want %d" % (path, st, want))
        for m in ("POST", "PUT", "DELETE", "OPTIONS"):
            st, h, _ = get(s.web, "/", method=m)
            if st != 405 or "GET" not in h.get("allow", ""):
                raise AssertionError("%s / gave %d %r, want 405 with Allow" % (m, st, h))
        for bad in ("GET /\r\n\r\n", "GET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
                    "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
                    "GET x HTTP/1.1\r\nHost: x\r\n\r\n", "\x16\x03\x01\x02\x00\x01\r\n\r\n"):
            st, _, _ = http(s.web, bad)
            if st != 400:
                raise AssertionError("%r gave %d, want 400" % (bad, st))
        # A bare-LF request typed into nc is served.
        st, _, _ = http(s.web, "GET /metrics HTTP/1.0\n\n")
        if st != 200:
            raise AssertionError("a bare-LF HTTP/1.0 request gave %d" % st)


@test
def test_head_too_big():
    with WebServer() as s:
        so = socket.create_connection(("127.0.0.1", s.web), timeout=natlib.TIMEOUT)
        head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"
        import threading
        t = threading.Thread(target=lambda: _send_ignoring(so, head), daemon=True)
        t.start()
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = so.recv(4096)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
        so.close()
        if not data.startswith(b"HTTP/1.1 431 "):
            raise AssertionError("a 1 MiB head got %r" % data[:80])
        # A head of just over 4 KiB is refused too; one just under is served.
        st, _, _ = http(s.web, "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: %s\r\n\r\n" % ("p" * 4100))
        if st != 431:
            raise AssertionError("a 4.1 KiB head gave %d" % st)
        st, _, _ = http(s.web, "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: %s\r\n\r\n" % ("p" * 3900))
        if st != 200:
            raise AssertionError("a 3.9 KiB head gave %d" % st)


def _send_ignoring(so, data):
    try:
        so.sendall(data)
    except OSError:
        pass


@test
def test_slow_head():
    with WebServer() as s:
        so = socket.create_connection(("127.0.0.1", s.web), timeout=natlib.TIMEOUT * 3)
        t0 = time.time()
        so.sendall(b"GET / HTTP/1.1\r\n")
        # A byte every 2 s: the head is never whole; it must be cut at 10 s.
        closed = None
        while time.time() - t0 < 20:
            r, _, _ = select.select([so], [], [], 2.0)
            if r:
                try:
                    d = so.recv(100)
                except ConnectionResetError:
                    d = b""
                if not d:
                    closed = time.time() - t0
                    break
                raise AssertionError("unexpected answer to half a head: %r" % d)
            try:
                so.sendall(b"X")
            except OSError:
                closed = time.time() - t0
                break
        so.close()
        if closed is None or not 9.5 <= closed <= 13.5:
            raise AssertionError("a head never finished was closed after %s s, want 10 s" % closed)
        # A head sent in pieces within the time is served.
        so = socket.create_connection(("127.0.0.1", s.web), timeout=natlib.TIMEOUT)
        for piece in (b"GET /metr", b"ics HTTP/1.1\r\nHo", b"st: x\r\n", b"\r\n"):
            so.sendall(piece)
            time.sleep(0.2)     # so that each piece is a read of its own
        data = so.recv(200)
        so.close()
        if not data.startswith(b"HTTP/1.1 200 "):
            raise AssertionError("a head in pieces got %r" % data[:60])


# --- the handshake -----------------------------------------------------------

@test
def test_handshake():
    with WebServer() as s:
        ws = WS(s.web, key=RFC_KEY)
        if ws.status != 101 or ws.headers.get("sec-websocket-accept") != RFC_ACCEPT:
            raise AssertionError("RFC 6455's sample key got %d %r" % (ws.status, ws.headers))
        if ws.headers.get("upgrade", "").lower() != "websocket":
            raise AssertionError("no Upgrade: websocket in %r" % ws.headers)
        ws.close()
        key = base64.b64encode(os.urandom(16)).decode()
        ws = WS(s.web, key=key)
        want = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        if ws.headers.get("sec-websocket-accept") != want:
            raise AssertionError("accept %r for a random key, want %r" % (ws.headers, want))
        ws.close()
        base = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n" % s.web
        cases = [
            ("bad version", base + "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 8\r\n\r\n" % RFC_KEY, 426),
            ("no version", base + "Sec-WebSocket-Key: %s\r\n\r\n" % RFC_KEY, 426),
            ("missing key", base + "Sec-WebSocket-Version: 13\r\n\r\n", 400),
            ("short key", base + "Sec-WebSocket-Key: abcd\r\nSec-WebSocket-Version: 13\r\n\r\n", 400),
            ("other origin", base + "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nOrigin: http://evil.example\r\n\r\n" % RFC_KEY, 403),
            ("origin null", base + "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nOrigin: null\r\n\r\n" % RFC_KEY, 403),
            ("other port", base + "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:1\r\n\r\n" % RFC_KEY, 403),
            ("no upgrade", "GET /ws HTTP/1.1\r\nHost: x\r\n\r\n", 426),
            ("HTTP/1.0", "GET /ws HTTP/1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % RFC_KEY, 400),
        ]
        for name, head, want in cases:
            st, h, _ = http(s.web, head)
            if st != want:
                raise AssertionError("%s: %d, want %d" % (name, st, want))
            if want == 426 and h.get("sec-websocket-version") != "13":
                raise AssertionError("%s: 426 without Sec-WebSocket-Version: 13" % name)
        # The same origin (any case) and no origin at all are accepted.
        for origin in ("http://127.0.0.1:%d" % s.web, "HTTP://127.0.0.1:%d" % s.web, None):
            ws = WS(s.web, origin=origin)
            if ws.status != 101:
                raise AssertionError("origin %r refused (%d)" % (origin, ws.status))
            ws.close()
    with WebServer(["--web-origin", "http://chat.example:8081"]) as s:
        ws = WS(s.web, origin="http://chat.example:8081")
        if ws.status != 101:
            raise AssertionError("--web-origin's origin refused (%d)" % ws.status)
        ws2 = WS(s.web, origin="http://other.example", greet=False)
        if ws2.status != 403:
            raise AssertionError("another origin got %d with --web-origin" % ws2.status)


# --- chat over WebSocket -------------------------------------------------------

@test
def test_chat_with_line_client():
    with WebServer() as s:
        c, ws = s.pair()
        ws.say("hello from the browser")
        c.expect(r"<%s> hello from the browser" % ws.nick)
        c.say("hello from nc")
        ws.expect(r"<%s> hello from nc" % c.nick)
        ws.say("/who")
        names = sorted([c.nick, ws.nick], key=str.lower)
        ws.expect(r"= who: lobby: %s %s \(2 users\)" % tuple(names))
        ws.say("/nick webby")
        ws.expect(r"= nick: you are now webby")
        c.expect(r"-- %s is now known as webby" % ws.nick)
        ws.say("/me waves")
        c.expect(r"\* webby waves")
        c.say("/msg WEBBY psst")
        ws.expect(r"\*%s\* psst" % c.nick)
        ws.say("//slash")
        c.expect(r"<webby> /slash")
        ws.say("/join side")
        ws.expect(r"= join: you are in side \(1 user\)")
        c.expect(r"-- webby left lobby")
        ws.say("   ")      # only spaces: ignored, nothing comes back
        ws.say("/stats")
        ws.expect(r"= stats: uptime \d+s, connections 2/\d+, rooms 2, messages 5")
        ws.say("/quit gone")
        ws.expect(r"= bye: .*")
        if ws.close_frame() != 1000:
            raise AssertionError("/quit did not end with a close frame 1000")
        ws.eof()
        c.say("/rooms")
        c.expect(r"= rooms: lobby\(1\)")


@test
def test_close_handshake():
    with WebServer() as s:
        c, ws = s.pair()
        ws.send_frame(8, struct.pack(">H", 1000) + b"bye")
        if ws.close_frame() != 1000:
            raise AssertionError("the close was not echoed with 1000")
        ws.eof()
        c.expect(r"-- %s disconnected" % ws.nick)
        ws = WS(s.web)
        c.expect(r"-- %s joined lobby" % ws.nick)
        ws.send_frame(8, b"")
        f = ws.frame()
        if f is None or f[1] != 8:
            raise AssertionError("an empty close got %r" % (f,))
        c.expect(r"-- %s disconnected" % ws.nick)
        ws = WS(s.web)       # a plain TCP close, no close frame
        c.expect(r"-- %s joined lobby" % ws.nick)
        ws.close()
        c.expect(r"-- %s disconnected" % ws.nick)


@test
def test_ping_pong():
    with WebServer() as s:
        ws = WS(s.web)
        ws.send_frame(9, b"are you there")
        f = ws.frame()
        if f != (1, 10, b"are you there"):
            raise AssertionError("ping got %r" % (f,))
        ws.send_frame(9, b"")
        if ws.frame() != (1, 10, b""):
            raise AssertionError("an empty ping was not answered")
        ws.send_frame(10, b"unsolicited")   # a pong alone is ignored
        ws.say("/who")
        ws.expect(r"= who: lobby: %s \(1 user\)" % ws.nick)


@test
def test_fragments():
    with WebServer() as s:
        c, ws = s.pair()
        ws.send_frame(1, "one ", fin=False)
        ws.send_frame(9, b"mid")                  # a control frame between fragments
        if ws.frame() != (1, 10, b"mid"):
            raise AssertionError("ping between fragments not answered")
        ws.send_frame(0, "two ", fin=False)
        ws.send_frame(0, "three", fin=True)
        c.expect(r"<%s> one two three" % ws.nick)
        # A character split across fragments is still one character.
        e = "é".encode()
        ws.send_frame(1, b"caf" + e[:1], fin=False)
        ws.send_frame(0, e[1:], fin=True)
        c.expect(r"<%s> café" % ws.nick)
        # Bytes of one frame sent one at a time.
        payload = b"byte by byte"
        key = b"\x01\x02\x03\x04"
        frame = bytes([0x81, 0x80 | len(payload)]) + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        for b in frame:
            ws.sock.sendall(bytes([b]))
        c.expect(r"<%s> byte by byte" % ws.nick)
        # A 16-bit length.
        ws.say("x" * 300)
        c.expect(r"<%s> x{300}" % ws.nick)


@test
def test_limits_and_bad_text():
    with WebServer() as s:
        c, ws = s.pair()
        ws.say("y" * 510)
        c.expect(r"<%s> y{510}" % ws.nick)
        ws.say("z" * 511)
        ws.expect(r"! line-too-long: .*")
        ws.send_frame(1, "a" * 400, fin=False)
        ws.send_frame(0, "b" * 400)             # 800 bytes in two fragments
        ws.expect(r"! line-too-long: .*")
        ws.say("line\nbreak")
        ws.expect(r"! bad-char: .*")
        ws.say("carriage\rreturn")
        ws.expect(r"! bad-char: .*")
        ws.say("bell\x07")
        ws.expect(r"! bad-char: .*")
        ws.say("still here")
        c.expect(r"<%s> still here" % ws.nick)
        c.quiet(0.3)


def closes_with(s, c, code, send, name):
    ws = WS(s.web)
    c.expect(r"-- %s joined lobby" % ws.nick)
    send(ws)
    got = ws.close_frame()
    if got != code:
        raise AssertionError("%s: closed with %r, want %d" % (name, got, code))
    ws.eof()
    c.expect(r"-- %s disconnected" % ws.nick)


@test
def test_close_codes():
    with WebServer() as s:
        c = s.connect()
        closes_with(s, c, 1002, lambda ws: ws.send_frame(1, "no mask", mask=False), "unmasked")
        closes_with(s, c, 1003, lambda ws: ws.send_frame(2, b"\x00\x01"), "binary")
        closes_with(s, c, 1007, lambda ws: ws.send_frame(1, b"bad \xff utf-8"), "invalid UTF-8")
        closes_with(s, c, 1007, lambda ws: ws.send_frame(1, b"\xed\xa0\x80"), "a surrogate")
        closes_with(s, c, 1007, lambda ws: ws.send_frame(1, b"\xc0\xaf"), "overlong")
        closes_with(s, c, 1007, lambda ws: ws.send_frame(1, b"cut \xe2\x82"), "a truncated character")
        # Far over the limit is known from the frame header: send only the
        # header and the first KiB (the server closes before the rest, and a
        # client still writing a whole MiB could meet a reset instead).
        closes_with(s, c, 1009, lambda ws: ws.sock.sendall(
            bytes([0x81, 0x80 | 127]) + struct.pack(">Q", 1 << 20) + b"\0\0\0\0" + b"w" * 1024),
            "1 MiB message")
        closes_with(s, c, 1002, lambda ws: ws.send_frame(0, b"orphan"), "continuation first")
        closes_with(s, c, 1002, lambda ws: (ws.send_frame(1, b"a", fin=False), ws.send_frame(1, b"b")), "text inside text")
        closes_with(s, c, 1002, lambda ws: ws.send_frame(9, b"p" * 126), "long ping")
        closes_with(s, c, 1002, lambda ws: ws.send_frame(9, b"p", fin=False), "fragmented ping")
        closes_with(s, c, 1002, lambda ws: ws.send_frame(1, b"r", rsv=0x40), "RSV1 set")
        closes_with(s, c, 1002, lambda ws: ws.send_frame(3, b"?"), "reserved opcode")
        closes_with(s, c, 1002, lambda ws: ws.send_frame(8, b"\x03"), "one-byte close")
        st, _, body = get(s.web, "/metrics")
        if not re.search(r'(?m)^natter_cuts_total\{reason="protocol"\} 1[34]$', body.decode()):
            raise AssertionError("protocol cuts not counted:\n" + body.decode())


@test
def test_many_ws_clients():
    n = 1000
    natlib.raise_fd_limit(4 * n)
    with WebServer(["-r", "0"]) as s:
        time.sleep(0.2)
        threads = s.threads()
        clients = []
        head = ("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (s.web, RFC_KEY)).encode()
        for _ in range(n):
            so = socket.create_connection(("127.0.0.1", s.web), timeout=natlib.TIMEOUT * 3)
            so.sendall(head)
            clients.append(so)
        upgraded = 0
        for so in clients:
            data = b""
            while b"= welcome:" not in data:
                chunk = so.recv(4096)
                if not chunk:
                    break
                data += chunk
            upgraded += data.startswith(b"HTTP/1.1 101 ") and b"= welcome:" in data
        if upgraded != n:
            raise AssertionError("%d of %d WebSocket clients were greeted" % (upgraded, n))
        if s.threads() != threads:
            raise AssertionError("threads went from %d to %d" % (threads, s.threads()))
        last = WS(s.web)
        last.say("/stats")
        last.expect(r"= stats: uptime \d+s, connections %d/\d+, .*" % (n + 1))
        for so in clients:
            so.close()


# --- the door's settings -----------------------------------------------------

@test
def test_ports():
    # An explicit web port that cannot be had stops the server (exit 1).
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    port = blocker.getsockname()[1]
    srv = Server(TARGET, args=["--web", str(port)])
    try:
        srv.start()
        raise AssertionError("natterd started with its --web port in use")
    except RuntimeError as e:
        if "exited 1" not in str(e):
            raise AssertionError("natterd did not exit 1: %s" % e)
    # --no-web: no web listener.
    with Server(TARGET, args=["--no-web"]) as s:
        if "web" in s.stderr().split("ready:")[1].split(";")[1]:
            raise AssertionError("--no-web still opened the web door: %r" % s.stderr())
    blocker.close()


@test
def test_default_port_in_use():
    # Hold 8081 on 127.0.0.1 if we can; the server must warn and run on.
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        blocker.bind(("127.0.0.1", 8081))
        blocker.listen(1)
    except OSError:
        pass        # someone holds it already: the same case
    try:
        with Server(TARGET) as s:
            if not re.search(r"web door left closed: 127\.0\.0\.1:8081 is in use", s.stderr()):
                raise AssertionError("no warning with 8081 in use: %r" % s.stderr()[-400:])
            if "cannot listen" in s.stderr():
                raise AssertionError("an error logged for a door left closed: %r" % s.stderr()[-400:])
            c = s.connect()
            c.say("/who")
            c.expect(r"= who: lobby: %s \(1 user\)" % c.nick)
    finally:
        blocker.close()


@test
def test_shared_limits():
    # --max-per-ip counts every door: a line client and a web client.
    with WebServer(["--max-per-ip", "1"]) as s:
        c = s.connect()
        st, _, body = get(s.web, "/")
        if st != 503 or b"full" not in body:
            raise AssertionError("a second connection from one address got %d %r" % (st, body[:80]))
        c.close()
    # --allow: a refused web client is closed with nothing said.
    with WebServer(["--allow", "10.0.0.0/8"]) as s:
        so = socket.create_connection(("127.0.0.1", s.web), timeout=natlib.TIMEOUT)
        so.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            d = so.recv(100)
        except ConnectionResetError:
            d = b""
        if d:
            raise AssertionError("a client outside --allow got %r" % d[:60])
    # The rate limit holds over WebSocket: 30 lines at 10/s take >= 2 s.
    with WebServer(["-r", "10", "--burst", "10"]) as s:
        c, ws = s.pair()
        t0 = time.time()
        for i in range(30):
            ws.say("n%d" % i)
        for i in range(30):
            c.expect(r"<%s> n%d" % (ws.nick, i), timeout=natlib.TIMEOUT * 2)
        if time.time() - t0 < 1.8:
            raise AssertionError("30 lines at -r 10 --burst 10 took %.1f s" % (time.time() - t0))


@test
def test_shutdown_reaches_ws():
    s = WebServer().start()
    ws = WS(s.web)
    if s.stop() != 0:
        raise AssertionError("natterd did not exit 0")
    ws.expect(r"! shutdown: .*")


@test
def test_no_heap():
    # natterd-mallocwrap aborts on any heap call after its ready line.
    path = os.path.join(natlib.BUILD, "test", "natterd-mallocwrap")
    if TARGET != "host" or not os.path.exists(path):
        raise Skip("no %s (make test-builds)" % path)
    s = WebServer(binary_path=path).start()
    try:
        for p in ("/", "/metrics", "/nothing"):
            get(s.web, p)
        c, ws = s.pair()
        ws.say("no heap here")
        c.expect(r"<%s> no heap here" % ws.nick)
        ws.send_frame(9, b"p")
        ws.send_frame(1, b"\xff")
        if ws.close_frame() != 1007:
            raise AssertionError("no 1007")
        if s.proc.poll() is not None:
            raise AssertionError("natterd-mallocwrap died: %s" % s.stderr()[-300:])
    finally:
        rc = s.stop()
    if rc != 0:
        raise AssertionError("natterd-mallocwrap exited %s: %s" % (rc, s.stderr()[-300:]))


def main():
    global TARGET
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", default="host")
    ap.add_argument("--only")
    opt = ap.parse_args()
    TARGET = opt.target
    suite = Suite("web-%s: " % TARGET)
    if not os.path.exists(natlib.binary(TARGET)):
        natlib.result("FAIL", "web-%s: binary" % TARGET, "%s is missing" % natlib.binary(TARGET))
        return 1
    for name, fn in TESTS:
        if opt.only and not any(p in name for p in opt.only.split(",")):
            continue
        suite.run(name, fn)
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
