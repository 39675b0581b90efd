"""Shared helpers for natter's Python test suites (standard library only).

Server(target) starts build/TARGET/natterd on a free loopback port (it is
started with -p 0 and the port is read from its ready line), and stops it by
PID. Client wraps one socket with line reads that time out instead of
hanging. Suite records results for tests/run-suites (see result()).
"""
import os, re, resource, select, signal, socket, subprocess, sys, time, traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
TIMEOUT = float(os.environ.get("NATTER_TEST_TIMEOUT", "10"))


def raise_fd_limit(want=65536):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    new = min(want, hard) if hard != resource.RLIM_INFINITY else want
    if new > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))


def tcp_send_queue(local_port, remote_port):
    """Bytes in the send queue of the loopback TCP socket LOCAL_PORT ->
    REMOTE_PORT (natterd's side of a client), from /proc/net/tcp{,6}."""
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(path) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                lp = int(fields[1].rsplit(":", 1)[1], 16)
                rp = int(fields[2].rsplit(":", 1)[1], 16)
                if lp == local_port and rp == remote_port:
                    return int(fields[4].split(":")[0], 16)
    raise AssertionError("no socket %d -> %d in /proc/net/tcp" % (local_port, remote_port))


def fill_kernel_buffers(sender, reader, stuck, port, width=495, batch=20, limit=40000):
    """SENDER says lines (read by READER) until the kernel's buffers towards
    STUCK (a client that never reads) are full: natterd's side of it stops
    growing its send queue (/proc/net/tcp). Returns how many lines were
    said; natterd then holds between 0 and BATCH of them in its own queue.
    Line i is "%05d" % i + "s" * WIDTH."""
    sent, last_q = 0, -1
    while True:
        if sent > limit:
            raise AssertionError("the kernel's buffers towards the stuck client never filled")
        for i in range(sent, sent + batch):
            sender.say("%05d" % i + "s" * width)
        for i in range(sent, sent + batch):
            line = reader.line()
            want = "<%s> %05d%s" % (sender.nick, i, "s" * width)
            if line != want:
                raise AssertionError("%s: expected %r, got %r" % (reader.nick, want[:40], line))
        sent += batch
        q = tcp_send_queue(port, stuck.sock.getsockname()[1])
        if q == last_q:
            return sent
        last_q = q


def emulator(target):
    """The command prefix that runs TARGET's binaries here (qemu for ARM)."""
    path = os.path.join(BUILD, target, "emulator")
    if not os.path.exists(path):
        return []
    return open(path).read().split()


def binary(target, name="natterd"):
    return os.path.join(BUILD, target, name)


class Server:
    """natterd on 127.0.0.1, port chosen by the kernel (-p 0)."""

    def __init__(self, target="host", args=(), binary_path=None, env=None,
                 bind="127.0.0.1", quiet=True):
        self.target = target
        self.argv = emulator(target) + [binary_path or binary(target)]
        self.argv += ["-p", "0", "-b", bind]
        if quiet:
            self.argv.append("-q")
        self.argv += list(args)
        self.env = env
        self.proc = None
        self.port = None
        self.host = bind

    def start(self, timeout=None):
        timeout = timeout or TIMEOUT * 3
        self.stderr_path = "%s/test-logs/natterd-%d-%d.err" % (BUILD, os.getpid(), id(self))
        self.stdout_path = self.stderr_path[:-4] + ".out"
        os.makedirs(os.path.dirname(self.stderr_path), exist_ok=True)
        self.err = open(self.stderr_path, "wb")
        self.out = open(self.stdout_path, "wb")
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=self.out, stderr=self.err, env=self.env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            text = self.stderr()
            m = re.search(r"ready: listening on (?:\[[0-9a-fA-F:.]*\]|[^\s\[]*?):(\d+)", text)
            if m:
                self.port = int(m.group(1))
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("natterd exited %s: %s" % (self.proc.returncode, text.strip()))
            time.sleep(0.02)   # polling a log file for the ready line
        raise RuntimeError("natterd did not print its ready line: " + self.stderr())

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_log(self, pattern, timeout=None):
        """The first match of pattern in the server's stderr, waiting for it:
        workers' lines reach the log through natterd's log ring, which its
        main thread writes out at least once a second."""
        deadline = time.time() + (TIMEOUT if timeout is None else timeout)
        while True:
            m = re.search(pattern, self.stderr())
            if m or time.time() >= deadline:
                return m
            time.sleep(0.05)    # polling a file: there is nothing to block on

    def stdout(self):
        with open(self.stdout_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def pid(self):
        return self.proc.pid

    def threads(self):
        """Thread count of the server process (under qemu: of qemu's process)."""
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])

    def stop(self, sig=signal.SIGTERM, timeout=None):
        """Signal the server and wait; returns its exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout or TIMEOUT * 2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.err.close(); self.out.close()
                raise RuntimeError("natterd did not exit after signal %d" % sig)
        self.err.close(); self.out.close()
        return self.proc.returncode

    def connect(self, **kw):
        return Client(self.host, self.port, **kw)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class TestServer:
    """A natterd for one test (`with TestServer(target, args) as s:`): tracks
    the clients it made and closes them at the end; unless the test failed
    or set s.stopped (it stopped natterd itself), natterd must then still
    run, exit 0 on SIGTERM, and not have logged "invariant violated" (the
    sweep of natterd-checks). kw goes to Server (binary_path, env, ...)."""

    def __init__(self, target="host", args=(), **kw):
        self.server = Server(target, [str(a) for a in args], **kw)
        self.clients = []
        self.stopped = False

    def __enter__(self):
        self.server.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        p = self.server.proc
        alive = p.poll() is None
        for c in self.clients:
            c.close()
        if exc_type is not None or self.stopped:
            if p.poll() is None:
                p.kill()
                p.wait()
            return False
        if not alive:
            raise AssertionError("natterd died during the test (status %s); stderr: %s"
                                 % (p.returncode, self.server.stderr()[-800:]))
        rc = self.server.stop()
        err = self.server.stderr()
        if "invariant violated" in err:
            raise AssertionError("invariant violated: " + err[-800:])
        if rc != 0:
            raise AssertionError("natterd exited %s on SIGTERM at the end of the test; stderr: %s"
                                 % (rc, err[-600:]))
        return False

    @property
    def port(self):
        return self.server.port

    def conn(self, greet=True, rcvbuf=None, **kw):
        """A client of this server (greeted unless greet is False)."""
        if rcvbuf:
            c = adopt(open_socket(self.server.host, self.server.port, rcvbuf=rcvbuf),
                      greet=greet, **kw)
        else:
            c = self.server.connect(greet=greet, **kw)
        self.clients.append(c)
        return c

    def lobby(self, n):
        cs = connect_lobby(self.server, n)
        self.clients.extend(cs)
        return cs

    def stderr(self):
        return self.server.stderr()


class Client:
    """One connection; lines are read with a timeout and returned without LF."""

    def __init__(self, host, port, greet=True, timeout=None):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(fam, socket.SOCK_STREAM)
        self.sock.settimeout(timeout or TIMEOUT)
        self.sock.connect((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.nick = None
        self.closed = False
        if greet:
            line = self.line()
            m = re.match(r"= welcome: natter/1 on \S+; you are (\S+) in lobby; /help for commands$", line)
            if not m:
                raise AssertionError("unexpected greeting: %r" % line)
            self.nick = m.group(1)

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def say(self, text):
        self.send(text + "\n")

    def raw_line(self, timeout=None):
        """Next line as bytes (without LF); None at EOF."""
        deadline = time.time() + (timeout if timeout is not None else TIMEOUT)
        while b"\n" not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("no line within timeout; have %r" % self.buf[:200])
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                continue
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                self.closed = True
                if self.buf:
                    rest, self.buf = self.buf, b""
                    return rest
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def line(self, timeout=None):
        raw = self.raw_line(timeout)
        return None if raw is None else raw.decode("utf-8")

    def expect(self, pattern, timeout=None):
        """Read lines until one matches the regex (skipping none): returns it."""
        line = self.line(timeout)
        if line is None or not re.fullmatch(pattern, line):
            raise AssertionError("expected %r, got %r" % (pattern, line))
        return line

    def cmd(self, text, timeout=None):
        """Send a line and return the next line received."""
        self.say(text)
        return self.line(timeout)

    def quiet(self, wait=0.3):
        """Assert that nothing arrives for `wait` seconds (a bounded read)."""
        r, _, _ = select.select([self.sock], [], [], wait) if not self.buf else ([1], 0, 0)
        if r:
            data = self.buf or self.sock.recv(65536)
            raise AssertionError("unexpected data: %r" % data[:200])

    def eof(self, timeout=None):
        """Read until EOF; returns the lines seen before it."""
        lines = []
        while True:
            l = self.line(timeout)
            if l is None:
                return lines
            lines.append(l)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# Where results go. tests/run-suites names a file in NATTER_RESULTS; it is
# taken out of the environment here so that no child process (a nested test
# runner, natterd, a tool) can ever add lines to it. Unset (a suite run by
# hand): results go to stdout. See tests/lib.sh for the line format.
RESULTS = os.environ.pop("NATTER_RESULTS", None)
KINDS = ("PASS", "FAIL", "SKIP", "CANNOT")


def result(kind, name, why=""):
    """Record one result. kind: PASS, FAIL, SKIP (this machine could run it:
    a failure under CI=true) or CANNOT (this machine truly cannot: a skip
    even in CI). The human-readable line goes to stdout either way."""
    assert kind in KINDS, kind
    why = " ".join(str(why).split())
    line = "%s %s%s" % (kind, name, (": " + why) if why else "")
    if RESULTS:
        with open(RESULTS, "a") as f:
            f.write(line + "\n")
    print(line, flush=True)


class Suite:
    """Runs test functions and records a PASS/FAIL/SKIP/CANNOT result each."""

    def __init__(self, prefix=""):
        self.prefix = prefix
        self.failed = 0

    def run(self, name, fn, *args):
        full = self.prefix + name
        t0 = time.time()
        try:
            fn(*args)
        except Cannot as e:
            result("CANNOT", full, e)
            return
        except Skip as e:
            result("SKIP", full, e)
            return
        except Exception as e:
            self.failed += 1
            traceback.print_exc(file=sys.stdout)
            result("FAIL", full, "%s: %s" % (type(e).__name__, str(e)[:500]))
            return
        result("PASS", full, "%.2fs" % (time.time() - t0))

    def fail(self, name, why):
        self.failed += 1
        result("FAIL", self.prefix + name, why)


class Skip(Exception):
    """A test this machine could run but did not (a tool missing that could be
    installed, no qemu, not root in CI): counted as a failure under CI=true."""


class Cannot(Skip):
    """A test this machine truly cannot run (no IPv6 in this kernel, an
    emulator that cannot do it): a skip even under CI=true."""


# ---------------------------------------------------------------------------
# Additions for the protocol suite (tests/test_protocol.py); generic enough
# for other suites. Nothing above this line depends on them.

GREETING_RE = r"= welcome: natter/1 on \S+; you are (\S+) in lobby; /help for commands"


def adopt(sock, greet=True, timeout=None):
    """A Client around an already connected socket (say, one given a small
    SO_RCVBUF before connect). Reads the greeting unless greet is False."""
    c = Client.__new__(Client)
    c.sock = sock
    c.sock.settimeout(timeout or TIMEOUT)
    try:
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass
    c.buf = b""
    c.nick = None
    c.closed = False
    if greet:
        line = c.line()
        m = re.fullmatch(GREETING_RE, line or "")
        if not m:
            raise AssertionError("unexpected greeting: %r" % line)
        c.nick = m.group(1)
    return c


def open_socket(host, port, rcvbuf=None, timeout=None):
    """A connected TCP socket; rcvbuf (bytes) is set before connect, so the
    kernel does not grow the receive window past it."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout or TIMEOUT)
    s.connect((host, port))
    return s


def barrier(*clients, timeout=None):
    """Round trip through the server for each client in turn: sends /stats
    and requires its reply to be the very next line. Anything the server
    queued for a client before handling that /stats therefore shows up as an
    error here; after it, quiet() can assert that nothing else is coming."""
    for c in clients:
        c.say("/stats")
        line = c.line(timeout)
        if line is None or not line.startswith("= stats: "):
            raise AssertionError("%s: expected the /stats reply, got %r" % (c.nick, line))


def connect_lobby(server, n, **kw):
    """Connects n clients one after another; every earlier client reads the
    `-- guestN joined lobby` line of each later one, so all start clean."""
    clients = []
    for _ in range(n):
        c = server.connect(**kw)
        for old in clients:
            old.expect(r"-- %s joined lobby" % re.escape(c.nick))
        clients.append(c)
    return clients


def connect_burst(server, n):
    """Connects n clients at once, then reads each one's greeting and makes
    a /stats round trip, so every join is behind them and all start clean.
    One after another, clients all land on the same worker (the kernel
    wakes the first idle waiter of the listening socket); a burst spreads
    them over the workers."""
    clients = [server.connect(greet=False) for _ in range(n)]
    for c in clients:
        m = re.match(r"= welcome: natter/1 on \S+; you are (\S+) in lobby;", c.line() or "")
        if not m:
            raise AssertionError("no greeting")
        c.nick = m.group(1)
    return past_joins(clients, lambda c: c.line())


def past_joins(clients, read):
    """Each client makes a /stats round trip, reading (read(client)) past
    the others' joins and leaves: every join is then behind them."""
    for c in clients:
        c.say("/stats")
    for c in clients:
        for _ in range(len(clients) + 2):
            line = read(c)
            if line is None or line.startswith("= stats: "):
                break
            if not re.fullmatch(r"-- \S+ (joined lobby|disconnected.*)", line):
                raise AssertionError("%s: %r before its /stats reply" % (c.nick, line))
    return clients


def worker_loads(pid):
    """Descriptors each of natterd's epoll instances watches (a worker's
    clients, plus its listeners and eventfd), from /proc: which worker
    holds how many clients, seen from outside."""
    loads = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if "eventpoll" in os.readlink("/proc/%d/fd/%s" % (pid, fd)):
                with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                    loads.append(sum(1 for l in f if l.startswith("tfd:")))
        except OSError:
            pass
    return sorted(loads)


def pump(sends=None, reads=(), timeout=None, stop=None, gate=None, per_turn=None):
    """Writes and reads many sockets at once without blocking on any.

    sends: {client: bytes or an iterator of bytes chunks}; an iterator is
      pulled only when the previous chunk is fully written.
    reads: {client: number of lines wanted, or None to read what comes}.
    stop:  optional callable(got) -> True to end early (checked after
      every read); by default the pump ends when every send is written and
      every reader has its number of lines.
    gate:  optional callable(client, got) -> False to hold back that
      sender's next chunk for now (say, to stay a window ahead of a reader).
    per_turn: at most this many chunks per sender per select() turn, so
      several senders' data interleave (default: as much as the socket takes).
    Returns {client: [lines as str]} for the readers (lines past the wanted
    number stay in the client's buffer). Raises TimeoutError with a summary.
    """
    sends = dict(sends or {})
    reads = dict(reads)
    deadline = time.time() + (timeout if timeout is not None else TIMEOUT * 6)
    pending = {}
    for c, data in sends.items():
        pending[c] = [iter([data]) if isinstance(data, (bytes, bytearray)) else iter(data), b""]
    got = {c: [] for c in reads}
    sent = {c: 0 for c in sends}

    def take_lines(c):
        want = reads[c]
        if b"\n" not in c.buf:
            return
        parts = c.buf.split(b"\n")
        room = len(parts) - 1 if want is None else max(0, min(len(parts) - 1, want - len(got[c])))
        got[c].extend(p.decode("utf-8", "replace") for p in parts[:room])
        c.buf = b"\n".join(parts[room:])

    def finished():
        if stop is not None:
            return stop(got)
        return not pending and all(w is None or len(got[c]) >= w for c, w in reads.items())

    for c in reads:
        take_lines(c)
    try:
        for c in list(sends) + list(reads):
            c.sock.setblocking(False)
        while not finished():
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("pump timed out: sent %s; got %s" % (
                    {c.nick: n for c, n in sent.items()},
                    {c.nick: len(l) for c, l in got.items()}))
            rlist = [c.sock for c in reads if not c.closed]
            wlist = [c.sock for c in pending
                     if pending[c][1] or gate is None or gate(c, got)]
            if not rlist and not wlist:
                raise AssertionError("pump: every reader hit EOF; got %s" % (
                    {c.nick: l[-3:] for c, l in got.items()}))
            r, w, _ = select.select(rlist, wlist, [], min(left, 0.2))
            for c in list(pending):
                if c.sock not in w:
                    continue
                it_buf = pending[c]
                turn = 0
                while per_turn is None or turn < per_turn:
                    if not it_buf[1]:
                        if gate is not None and not gate(c, got):
                            break
                        try:
                            it_buf[1] = bytes(next(it_buf[0]))
                        except StopIteration:
                            del pending[c]
                            break
                    try:
                        n = c.sock.send(it_buf[1])
                    except (BlockingIOError, InterruptedError):
                        break
                    sent[c] += n
                    it_buf[1] = it_buf[1][n:]
                    if it_buf[1]:
                        break
                    turn += 1
            for c in reads:
                if c.sock not in r:
                    continue
                try:
                    chunk = c.sock.recv(262144)
                except (BlockingIOError, InterruptedError):
                    continue
                except ConnectionResetError:
                    chunk = b""
                if not chunk:
                    c.closed = True
                else:
                    c.buf += chunk
                take_lines(c)
                if stop is not None and stop(got):
                    break
    finally:
        for c in list(sends) + list(reads):
            try:
                c.sock.settimeout(TIMEOUT)
            except OSError:
                pass
    return got


def check_each_sender(nick, lines, tag, senders, m):
    """What `nick` received from a flood, each line `<SENDER> TAG SENDER K`:
    every sender in `senders` (nicks), no one else, each with K = 0..m-1
    once and in order. Raises AssertionError naming what is wrong."""
    seen = {}
    for line in lines:
        mm = re.fullmatch(r"<(\S+)> %s (\S+) (\d+)" % re.escape(tag), line)
        if not mm or mm.group(1) != mm.group(2):
            raise AssertionError("%s got %r" % (nick, line))
        seen.setdefault(mm.group(1), []).append(int(mm.group(3)))
    if set(seen) != set(senders):
        raise AssertionError("%s heard %s, want %s" % (nick, sorted(seen), sorted(senders)))
    for sender, ks in seen.items():
        if ks != list(range(m)):
            raise AssertionError("%s: lines of %s lost, doubled or out of order" % (nick, sender))


def lines_until(client, pattern, limit=100000, timeout=None):
    """Reads lines until one fully matches pattern; returns (skipped, match)."""
    skipped = []
    for _ in range(limit):
        line = client.line(timeout)
        if line is None:
            raise AssertionError("EOF while waiting for %r; last lines %r" % (pattern, skipped[-5:]))
        if re.fullmatch(pattern, line):
            return skipped, line
        skipped.append(line)
    raise AssertionError("no line matching %r within %d lines" % (pattern, limit))
