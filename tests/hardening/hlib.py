"""Helpers for the hardening suites (tests/suites/7x-*): sanitizer runs,
process figures from /proc, and traffic that many sockets make at once.
Python 3 standard library only; builds on tests/natlib.py (Server, Client,
Suite), using only its original API."""
import atexit, glob, os, re, select, signal, socket, struct, sys, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import natlib                                   # noqa: E402
from natlib import Client, Skip                 # noqa: E402,F401

_started = []


class Server(natlib.Server):
    """natlib.Server that remembers itself, so reap() can end every server
    a test left running (say, after a failed assertion)."""

    def start(self, timeout=None):
        _started.append(self)
        return super().start(timeout)


def reap():
    """Kills (by PID) every server started here that is still running."""
    while _started:
        s = _started.pop()
        if s.proc is not None and s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait()


atexit.register(reap)
# A suite stopped by SIGTERM (a CI timeout) still ends its servers.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


class Suite(natlib.Suite):
    """natlib.Suite that ends the servers a test left behind."""

    def run(self, name, fn, *args):
        try:
            super().run(name, fn, *args)
        finally:
            reap()

ROOT = natlib.ROOT
LOGS = os.path.join(natlib.BUILD, "test-logs")
GREETING = r"= welcome: natter/1 on \S+; you are (\S+) in lobby; /help for commands"

# What a sanitizer or valgrind prints when it finds something.
REPORT_RE = re.compile(
    r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|"
    r"WARNING: ThreadSanitizer|ThreadSanitizer: reported|"
    r"SUMMARY: (Address|Undefined|Thread|Leak)Sanitizer|AddressSanitizer:DEADLYSIGNAL|"
    r"==\d+== (Invalid (read|write|free)|Conditional jump|Use of uninitialised|"
    r"Syscall param|Mismatched free|Source and destination overlap)")


class Sanitized:
    """Runs natterd from build/KIND (asan, tsan) with the sanitizer options
    set so that every report is kept (log_path: one file per process, named
    by its PID) and makes the process exit non-zero."""

    def __init__(self, kind):
        self.kind = kind
        self.dir = os.path.join(LOGS, "%s-%d" % (kind, os.getpid()))
        os.makedirs(self.dir, exist_ok=True)
        for f in glob.glob(os.path.join(self.dir, "*")):
            os.unlink(f)
        env = dict(os.environ)
        supp = os.path.join(HERE, "%s.supp" % kind)
        if kind == "asan":
            env["ASAN_OPTIONS"] = ":".join([
                "halt_on_error=1", "abort_on_error=0", "exitcode=86",
                "detect_leaks=1", "detect_stack_use_after_return=1",
                "check_initialization_order=1", "strict_string_checks=1",
                "log_path=" + os.path.join(self.dir, "asan")])
            env["UBSAN_OPTIONS"] = ":".join([
                "halt_on_error=1", "print_stacktrace=1", "exitcode=87",
                "log_path=" + os.path.join(self.dir, "ubsan")])
        elif kind == "tsan":
            # Go on after a report so one run shows every race, but exit 66.
            opts = ["halt_on_error=0", "exitcode=66", "second_deadlock_stack=1",
                    "report_signal_unsafe=1", "history_size=4",
                    "log_path=" + os.path.join(self.dir, "tsan")]
            if os.path.exists(supp):
                opts.append("suppressions=" + supp)
            env["TSAN_OPTIONS"] = ":".join(opts)
        self.env = env

    def server(self, args=(), **kw):
        return Server(self.kind, [str(a) for a in args], env=self.env, **kw)

    def reports(self, pid=None):
        """Report files (all, or of one PID) and their first lines."""
        found = []
        for f in sorted(glob.glob(os.path.join(self.dir, "*"))):
            if pid is not None and not f.endswith(".%d" % pid):
                continue
            text = open(f, errors="replace").read()
            if text.strip():
                found.append((f, text))
        return found


def summarize_report(text, limit=600):
    """The lines of a sanitizer report that say what and where."""
    keep = []
    for l in text.splitlines():
        if REPORT_RE.search(l) or re.match(r"\s+#[0-3] ", l) or "SUMMARY" in l:
            keep.append(l.strip())
    return " | ".join(keep)[:limit]


def check_stderr(server):
    """Raises if the server's stderr holds a sanitizer or valgrind report."""
    err = server.stderr()
    m = REPORT_RE.search(err)
    if m:
        start = max(0, m.start() - 100)
        raise AssertionError("report in natterd's stderr: %s" % summarize_report(err[start:]))


# ---------------------------------------------------------------------------
# /proc figures

def proc_status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return line.split(":", 1)[1].strip()
    return None


def rss_kib(pid):
    return int(proc_status(pid, "VmRSS").split()[0])


def threads(pid):
    return int(proc_status(pid, "Threads"))


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def cpu_seconds(pid):
    """utime + stime of the whole process (all threads), in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


# At most this much CPU (seconds per second) when nothing happens: a loop
# that spins on a ready descriptor or a busy worker burns a whole core.
IDLE_CPU_PER_S = 0.05


class Baseline:
    """natterd's idle figures, taken when no client is connected: the
    connections /stats counts (without the probe that asks), its open fds,
    and its idle CPU. check() ends every load scenario: connections and fds
    must come back to these values within a bounded time, and the CPU over
    one second must be idle again. (A benchmark once left natterd holding
    5,315 connections and 70% of a core after every client was gone.)"""

    def __init__(self, server):
        self.s = server
        self.fds = fds(server.pid())
        self.conns = self.connections()
        # the probe's descriptor closes in natterd a moment later: wait for
        # it, so a test that counts free descriptors next counts right
        deadline = time.time() + natlib.TIMEOUT
        while fds(server.pid()) != self.fds and time.time() < deadline:
            time.sleep(0.01)

    def connections(self):
        """/stats connections less the probe's own; None while the probe is
        not greeted in time (a backlog of dead connects still to accept) or
        is refused as full (descriptors of closed clients not yet freed)."""
        try:
            probe = connect(self.s)
        except (TimeoutError, OSError):
            return None
        except AssertionError as e:     # natlib.Client: not a greeting
            if "'! full: " in str(e):
                return None
            raise
        try:
            probe.say("/stats")
            line = until(probe, r"= stats: .*")[1]
        finally:
            probe.close()
        return int(re.search(r"connections (\d+)/", line).group(1)) - 1

    def check(self, timeout=None):
        pid = self.s.pid()
        deadline = time.time() + (timeout or natlib.TIMEOUT * 2)
        while True:
            conns, nfds = self.connections(), fds(pid)
            if conns is not None and conns == self.conns and nfds == self.fds:
                break
            if time.time() > deadline:
                raise AssertionError("natterd not back at idle after the load: /stats counts %s "
                                     "connections (idle %d), %d fds open (idle %d)"
                                     % ("no answer" if conns is None else conns, self.conns, nfds, self.fds))
            time.sleep(0.2)     # polling the server's own figures, bounded above
        cpu0 = cpu_seconds(pid)
        time.sleep(1.0)         # measuring idle CPU over a fixed second
        spent = cpu_seconds(pid) - cpu0
        if spent > IDLE_CPU_PER_S:
            raise AssertionError("natterd used %.3f s of CPU in the idle second after the load "
                                 "(at most %.2f)" % (spent, IDLE_CPU_PER_S))
        return conns, nfds, spent


# ---------------------------------------------------------------------------
# Clients

def connect(server, greet=True, timeout=None, rcvbuf=None, family=None):
    """A natlib.Client; rcvbuf is set before connect (so the kernel keeps
    the window small)."""
    if rcvbuf is None:
        return server.connect(greet=greet, timeout=timeout)
    host = server.host
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout or natlib.TIMEOUT)
    s.connect((host, server.port))
    c = Client.__new__(Client)
    c.sock, c.buf, c.nick, c.closed = s, b"", None, False
    if greet:
        m = re.fullmatch(GREETING, c.line() or "")
        if not m:
            raise AssertionError("no greeting")
        c.nick = m.group(1)
    return c


def until(client, pattern, limit=200000, timeout=None):
    """Reads lines until one fully matches; returns (skipped, match)."""
    skipped = []
    rx = re.compile(pattern)
    for _ in range(limit):
        line = client.line(timeout)
        if line is None:
            raise AssertionError("%s: EOF while waiting for %r; last lines %r"
                                 % (client.nick, pattern, skipped[-3:]))
        if rx.fullmatch(line):
            return skipped, line
        skipped.append(line)
    raise AssertionError("no line matching %r within %d lines" % (pattern, limit))


def sync(client, timeout=None):
    """Round trip: /stats, and every line up to its reply. Returns the
    lines that came before the reply."""
    client.say("/stats")
    return until(client, r"= stats: .*", timeout=timeout)[0]


def rst_close(sock):
    """Closes with SO_LINGER 0: the kernel sends RST instead of FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def read_lines(wanted, timeout=None):
    """Reads from many clients at once: wanted = {client: n lines}.
    Returns {client: [lines]}; raises TimeoutError with the counts."""
    got = {c: [] for c in wanted}
    deadline = time.time() + (timeout or natlib.TIMEOUT * 3)
    for c in wanted:
        while len(got[c]) < wanted[c] and b"\n" in c.buf:
            l, c.buf = c.buf.split(b"\n", 1)
            got[c].append(l.decode("utf-8", "replace"))
    while True:
        open_ = [c for c in wanted if len(got[c]) < wanted[c]]
        if not open_:
            return got
        left = deadline - time.time()
        if left <= 0:
            raise TimeoutError("read_lines: %s" % ", ".join(
                "%s %d/%d" % (c.nick, len(got[c]), wanted[c]) for c in open_))
        r, _, _ = select.select([c.sock for c in open_ if not c.closed], [], [], min(left, 1))
        if not r and all(c.closed for c in open_):
            raise AssertionError("read_lines: EOF; %s" % ", ".join(
                "%s %d/%d" % (c.nick, len(got[c]), wanted[c]) for c in open_))
        for c in open_:
            if c.sock not in r:
                continue
            try:
                chunk = c.sock.recv(262144)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                c.closed = True
                continue
            c.buf += chunk
            while len(got[c]) < wanted[c] and b"\n" in c.buf:
                l, c.buf = c.buf.split(b"\n", 1)
                got[c].append(l.decode("utf-8", "replace"))


class Sender(threading.Thread):
    """Sends bytes on a socket in a thread (so the caller can read)."""

    def __init__(self, client, data):
        super().__init__(daemon=True)
        self.client, self.data, self.error = client, data, None

    def run(self):
        try:
            self.client.sock.sendall(self.data)
        except Exception as e:     # reported by finish()
            self.error = e

    def finish(self, timeout=None):
        self.join(timeout or natlib.TIMEOUT * 3)
        if self.is_alive():
            raise AssertionError("sender still blocked")
        if self.error:
            raise self.error


def stop_clean(server, expect_rc=0, timeout=None):
    """SIGTERM, exit status expect_rc, no report in its stderr."""
    pid = server.pid()
    rc = server.stop(timeout=timeout)
    check_stderr(server)
    if rc != expect_rc:
        raise AssertionError("natterd (pid %d) exited %s after SIGTERM, want %s; stderr tail: %r"
                             % (pid, rc, expect_rc, server.stderr()[-400:]))
    return rc
