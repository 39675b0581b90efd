"""natter, the client: pipe mode, -c, exit codes, reconnect, and terminal
mode in a real pseudo-terminal, against a real natterd (the host build).

    python3 tests/test_client.py [TARGET]

TARGET picks the natter binary (host, armhf, ...; ARM ones run under the
qemu prefix in build/TARGET/emulator); the server is always the host natterd.
"""
import fcntl, os, re, select, signal, socket, struct, subprocess, sys, termios, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlib
from natlib import Server, Suite, TIMEOUT

TARGET = sys.argv[1] if len(sys.argv) > 1 else "host"
NATTER = natlib.emulator(TARGET) + [natlib.binary(TARGET, "natter")]
ROOT = natlib.ROOT
WELCOME = r"= welcome: natter/1 on \S+; you are (guest\d+) in lobby; /help for commands"


# ---------------------------------------------------------------- helpers

def free_port():
    """A port nobody listens on: bound by us, then closed."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def natter(args, stdin_data=None, timeout=TIMEOUT * 2, env=None):
    """Runs natter to the end; stdin is the given bytes (or /dev/null)."""
    return subprocess.run(NATTER + args, input=stdin_data if stdin_data is not None else b"",
                          capture_output=True, timeout=timeout, env=env)


def addr(srv):
    return "%s:%d" % (srv.host, srv.port)


def lines_of(data):
    return data.decode("utf-8", "replace").splitlines()


def one_line_reason(stderr, pattern):
    lines = lines_of(stderr)
    assert len(lines) == 1, "expected one line on stderr, got %r" % lines
    assert lines[0].startswith("natter: ") and re.search(pattern, lines[0]), lines[0]


def skip_room_traffic(client, prefix):
    """The next line starting with prefix, skipping events of the room."""
    while True:
        line = client.line()
        assert line is not None, "connection closed while waiting for %r" % prefix
        if line.startswith(prefix):
            return line
        assert line.startswith("-- "), "unexpected line %r" % line


class Piped:
    """natter in pipe mode with a stdin we keep open, for tests that need it
    to stay connected while something else happens."""

    def __init__(self, args, env=None):
        self.proc = subprocess.Popen(NATTER + args, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.out = b""
        self.pos = 0            # lines before this were matched already

    def send(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def wait_out(self, pattern, timeout=TIMEOUT):
        """Reads stdout until a complete line after the last one matched
        matches; returns the match."""
        deadline = time.time() + timeout
        fd = self.proc.stdout.fileno()
        while True:
            done = lines_of(self.out[:self.out.rfind(b"\n") + 1])
            for i in range(self.pos, len(done)):
                m = re.fullmatch(pattern, done[i])
                if m:
                    self.pos = i + 1
                    return m
            left = deadline - time.time()
            assert left > 0, "no line matching %r in %r" % (pattern, self.out[-500:])
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 65536)
                assert chunk, "natter closed stdout; had %r" % self.out[-500:]
                self.out += chunk

    def count(self, pattern):
        return sum(1 for l in lines_of(self.out) if re.fullmatch(pattern, l))

    def finish(self, timeout=TIMEOUT):
        """Closes stdin, waits, returns (rc, all stdout, stderr)."""
        out, err = self.proc.communicate(timeout=timeout)   # closes stdin
        self.out += out
        return self.proc.returncode, self.out, err

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Screen:
    """A tiny terminal: enough of VT100 to replay what natter draws (text,
    CR, LF, erase to end of line, cursor right/left, clear, SGR ignored)."""

    def __init__(self, width=80):
        self.width = width
        self.rows = [[]]
        self.r = self.c = 0
        self.pending = b""

    def feed(self, data):
        data = self.pending + data
        self.pending = b""
        i = 0
        while i < len(data):
            b = data[i]
            if b == 0x1b:
                m = re.match(rb"\x1b\[([0-9;?]*)([@-~])", data[i:])
                if not m:
                    if len(data) - i < 16:
                        self.pending = data[i:]
                        return
                    raise AssertionError("unknown escape %r" % data[i:i + 16])
                self.csi(m.group(1), m.group(2))
                i += m.end()
                continue
            if b >= 0x80:                      # one UTF-8 character
                n = 2 if b < 0xe0 else 3 if b < 0xf0 else 4
                if len(data) - i < n:
                    self.pending = data[i:]
                    return
                self.put(data[i:i + n].decode("utf-8", "replace"))
                i += n
                continue
            i += 1
            if b == 0x0d:
                self.c = 0
            elif b == 0x0a:
                self.r += 1
                while len(self.rows) <= self.r:
                    self.rows.append([])
            elif b in (0x07,):
                pass
            elif b < 0x20 or b == 0x7f:
                raise AssertionError("control byte %#x on the screen" % b)
            else:
                self.put(chr(b))

    def put(self, ch):
        if self.c >= self.width:               # autowrap
            self.c = 0
            self.r += 1
            while len(self.rows) <= self.r:
                self.rows.append([])
        row = self.rows[self.r]
        while len(row) < self.c:
            row.append(" ")
        if self.c < len(row):
            row[self.c] = ch
        else:
            row.append(ch)
        self.c += 1

    def csi(self, params, final):
        n = int(params.split(b";")[0] or b"1") if params[:1].isdigit() or not params else 1
        row = self.rows[self.r]
        if final == b"K":
            del row[self.c:]
        elif final == b"C":
            self.c = min(self.c + n, self.width - 1)
        elif final == b"D":
            self.c = max(self.c - n, 0)
        elif final == b"H":
            self.r, self.c = len(self.rows) - 1, 0    # new page below
        elif final == b"J":
            self.rows.append([])
            self.r = len(self.rows) - 1
        elif final == b"m":
            pass
        else:
            raise AssertionError("unexpected CSI %r%r" % (params, final))

    def text(self, r):
        return "".join(self.rows[r]).rstrip()

    def last(self):
        return self.text(self.r)

    def all(self):
        return [self.text(i) for i in range(len(self.rows))]


class Tty:
    """natter on the slave side of a pty we hold the master of."""

    def __init__(self, args, env_extra=None, cols=80):
        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
        self.before = termios.tcgetattr(self.slave)
        env = dict(os.environ, TERM="xterm")
        env.pop("NO_COLOR", None)
        env.update(env_extra or {})
        self.proc = subprocess.Popen(NATTER + args, stdin=self.slave, stdout=self.slave,
                                     stderr=subprocess.PIPE, env=env, start_new_session=True)
        self.screen = Screen(cols)
        self.raw = b""

    def pump(self, timeout):
        r, _, _ = select.select([self.master], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:
            return False
        self.raw += data
        self.screen.feed(data)
        return True

    def wait(self, pred, what, timeout=TIMEOUT):
        deadline = time.time() + timeout
        while not pred():
            left = deadline - time.time()
            assert left > 0, "timed out waiting for %s; screen: %r" % (what, self.screen.all()[-6:])
            self.pump(min(left, 0.5))

    def wait_row(self, pattern, timeout=TIMEOUT):
        self.wait(lambda: any(re.fullmatch(pattern, l) for l in self.screen.all()),
                  "a row matching %r" % pattern, timeout)

    def wait_input(self, text, timeout=TIMEOUT):
        """Waits until the bottom row (the input line) reads exactly text."""
        self.wait(lambda: self.screen.last() == text, "input line %r" % text, timeout)

    def resize(self, cols):
        """A narrower window: the size changes and SIGWINCH is sent (by hand:
        the pty is not natter's controlling terminal here)."""
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
        self.screen.width = cols
        self.proc.send_signal(signal.SIGWINCH)

    def type(self, data):
        os.write(self.master, data.encode() if isinstance(data, str) else data)

    def exit_code(self, timeout=TIMEOUT):
        deadline = time.time() + timeout
        while self.proc.poll() is None:
            assert time.time() < deadline, "natter did not exit"
            self.pump(0.1)
        while self.pump(0.05):
            pass
        return self.proc.returncode

    def termios_restored(self):
        after = termios.tcgetattr(self.slave)
        assert after == self.before, "terminal settings not restored:\n%r\n%r" % (self.before, after)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc.stderr.close()
        os.close(self.master)
        os.close(self.slave)


def tty_session(srv, args=(), env_extra=None):
    """A natter in a pty, greeted; returns (tty, its nick)."""
    t = Tty(list(args) + [addr(srv)], env_extra)
    t.wait_row(WELCOME)
    nick = re.fullmatch(WELCOME, [l for l in t.screen.all() if l.startswith("= welcome")][0]).group(1)
    return t, nick


# ---------------------------------------------------------------- pipe mode

def test_pipe_lines(srv):
    """Every stdin line is sent, every server line printed, exit 0 at EOF."""
    watcher = srv.connect()
    t0 = time.time()
    r = natter([addr(srv)], b"/who\nhello there\n")
    took = time.time() - t0
    assert r.returncode == 0, r
    out = lines_of(r.stdout)
    m = re.fullmatch(WELCOME, out[0])
    assert m, out
    assert re.fullmatch(r"= who: lobby: .*\b%s\b.* \(2 users\)" % m.group(1), out[1]), out
    assert len(out) == 2, out
    assert r.stderr == b"", r.stderr
    assert skip_room_traffic(watcher, "<") == "<%s> hello there" % m.group(1)
    watcher.close()
    # natterd closes after our EOF, so natter must not sit out its wait.
    assert took < 2, "took %.2fs" % took


def test_pipe_messages_reach_room(srv):
    watcher = srv.connect()
    r = natter([addr(srv)], b"first\n  spaced  \nlast without newline")
    assert r.returncode == 0, r
    nick = re.fullmatch(WELCOME, lines_of(r.stdout)[0]).group(1)
    assert skip_room_traffic(watcher, "<") == "<%s> first" % nick
    assert watcher.line() == "<%s>   spaced  " % nick
    assert watcher.line() == "<%s> last without newline" % nick
    watcher.close()


def test_pipe_many_lines(srv_fast):
    """5000 lines through a pipe arrive whole and in order (back-pressure,
    not loss, when the socket is full)."""
    watcher = srv_fast.connect()
    data = "".join("line %d %s\n" % (i, "x" * (i % 300)) for i in range(5000)).encode()
    p = subprocess.Popen(NATTER + [addr(srv_fast)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(data)
    p.stdin.close()
    seen = 0
    while seen < 5000:
        line = watcher.line()
        if line.startswith("-- "):
            continue
        m = re.fullmatch(r"<guest\d+> line (\d+) x*", line)
        assert m and int(m.group(1)) == seen, (seen, line[:80])
        seen += 1
    rc = p.wait(TIMEOUT)
    p.stdout.close(); p.stderr.close()
    assert rc == 0, rc
    watcher.close()


def test_cmd_nick_join(srv):
    """-n, -j, then -c lines; exits once answered; the barrier is not shown."""
    watcher = srv.connect()
    watcher.say("/join kitchen")
    watcher.expect(r"= join: you are in kitchen \(1 user\)")
    r = natter(["-n", "alice", "-j", "Kitchen", "-c", "/who", "-c", "hello", addr(srv)])
    assert r.returncode == 0, r
    out = lines_of(r.stdout)
    assert re.fullmatch(WELCOME, out[0]), out
    assert out[1:] == ["= nick: you are now alice", "= join: you are in kitchen (2 users)",
                       "= who: kitchen: alice %s (2 users)" % watcher.nick], out
    assert r.stderr == b"", r.stderr
    assert watcher.expect(r"-- alice joined kitchen")
    assert watcher.line() == "<alice> hello"
    watcher.close()


def test_cmd_own_stats(srv):
    """The user's own /stats replies are printed; only natter's is hidden."""
    r = natter(["-c", "/stats", "-c", "/STATS extra", addr(srv)])
    assert r.returncode == 0, r
    out = lines_of(r.stdout)
    assert len(out) == 3 and all(l.startswith("= stats: ") for l in out[1:]), out


def test_cmd_quit(srv):
    r = natter(["-c", "/quit see you", "-c", "/who", addr(srv)])
    assert r.returncode == 0, r
    out = lines_of(r.stdout)
    assert out[-1].startswith("= bye:"), out


def test_cmd_errors_printed(srv):
    r = natter(["-c", "/nick 9bad", "-c", "/bogus", addr(srv)])
    assert r.returncode == 0, r
    out = lines_of(r.stdout)
    assert out[1].startswith("! bad-nick: ") and out[2].startswith("! unknown-command: "), out


def test_refused():
    port = free_port()
    for args, data in ((["127.0.0.1:%d" % port], b"hi\n"),
                       (["-p", str(port), "127.0.0.1"], b""),
                       (["-c", "/who", "127.0.0.1:%d" % port], None)):
        r = natter(args, data)
        assert r.returncode == 1, (args, r)
        one_line_reason(r.stderr, r"cannot connect to 127\.0\.0\.1 port %d: .*refused" % port)
        assert r.stdout == b"", r.stdout


def test_unresolvable():
    r = natter(["-c", "/who", "no-such-host.invalid:8080"])
    assert r.returncode == 1, r
    one_line_reason(r.stderr, r"cannot resolve no-such-host\.invalid")


def test_server_shutdown():
    """The server stops under a connected pipe-mode natter: exit 1, reason."""
    srv = Server("host").start()
    p = Piped([addr(srv)])
    try:
        p.wait_out(WELCOME)
        srv.stop()
        rc, out, err = p.finish()
        assert rc == 1, (rc, out, err)
        assert lines_of(out)[-1].startswith("! shutdown: "), out
        one_line_reason(err, r"connection lost: the server is shutting down")
    finally:
        p.kill()
        srv.stop()


def test_server_full():
    """A full server answers "! full:" and closes: exit 1 with that reason."""
    srv = Server("host", args=["-c", "1"]).start()
    holder = srv.connect()
    try:
        r = natter(["-c", "/who", addr(srv)])
        assert r.returncode == 1, r
        assert lines_of(r.stdout)[0].startswith("! full: "), r.stdout
        one_line_reason(r.stderr, r"connection lost: the server is full")
    finally:
        holder.close()
        srv.stop()


def test_close_before_answers():
    """-c when the server closes before answering: exit 1 with the reason.
    natterd always answers, so a stand-in listener plays the server."""
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        holder.settimeout(TIMEOUT)
        p = subprocess.Popen(NATTER + ["-c", "/who", "127.0.0.1:%d" % holder.getsockname()[1]],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        conn, _ = holder.accept()
        conn.settimeout(TIMEOUT)
        assert conn.recv(100).startswith(b"/who\n")
        conn.close()
        out, err = p.communicate(timeout=TIMEOUT)
        assert p.returncode == 1, (p.returncode, out, err)
        one_line_reason(err, r"connection lost: the server closed the connection")
    finally:
        holder.close()


def test_end_wait_bounded():
    """At the end of input natter waits for the server to close, but not
    for ever: a stand-in server that reads and never closes (natterd always
    closes) is left after 2 s of silence, or after -w SECS, with exit 0."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(2)
    holder.settimeout(TIMEOUT)
    try:
        for args, low, high in (([], 1.8, 4), (["-w", "0"], 0, 1)):
            t0 = time.time()
            p = subprocess.Popen(NATTER + args + ["127.0.0.1:%d" % holder.getsockname()[1]],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
            conn, _ = holder.accept()
            conn.sendall(b"= welcome: natter/1 on x; you are guest1 in lobby; /help for commands\n")
            out, err = p.communicate(b"hello\n", timeout=TIMEOUT)
            took = time.time() - t0
            conn.settimeout(TIMEOUT)
            assert conn.recv(100) == b"hello\n"
            conn.close()
            assert p.returncode == 0, (args, p.returncode, err)
            assert low <= took <= high, (args, took)
            assert lines_of(out) == ["= welcome: natter/1 on x; you are guest1 in lobby; /help for commands"]
    finally:
        holder.close()


def test_bad_usage():
    for args in (["--bogus"], ["-p"], ["-p", "0"], ["-p", "70000"], ["-p", "x"],
                 ["-n", "1abc"], ["-n", "a" * 17], ["-j", "bad room"], ["-j", ""],
                 ["a", "b"], ["[::1"], ["[::1]x"], ["-p", "1", "host:2"],
                 ["-c", "x" * 511], ["-c", "bell\x07"], ["-c", "two\nlines"], ["-rx"], ["-w", "x"], ["-w", "3601"]):
        r = natter(args)
        assert r.returncode == 2, (args, r)
        lines = lines_of(r.stderr)
        assert len(lines) == 1 and lines[0].startswith("natter: "), (args, r.stderr)


def test_help_version():
    r = natter(["--help"])
    assert r.returncode == 0 and r.stdout.startswith(b"usage: natter "), r
    for opt in (b"-p", b"-n", b"-j", b"-c", b"-r", b"[::1]:8080", b"NO_COLOR"):
        assert opt in r.stdout, opt
    version = re.search(r"^VERSION\s*:=\s*(\S+)", open(os.path.join(ROOT, "Makefile")).read(), re.M)
    r = natter(["--version"])
    assert r.returncode == 0 and r.stdout.decode() == "natter %s\n" % version.group(1), r


def test_ipv6_literal():
    try:
        srv = Server("host", bind="::1").start()
    except RuntimeError as e:
        raise natlib.Cannot("no IPv6 loopback here: %s" % e)
    try:
        r = natter(["-c", "/who", "[::1]:%d" % srv.port])
        assert r.returncode == 0, r
        assert lines_of(r.stdout)[1].startswith("= who: lobby: "), r.stdout
        r = natter(["-p", str(srv.port), "-c", "/who", "::1"])
        assert r.returncode == 0, r
    finally:
        srv.stop()


def test_localhost_name(srv):
    """A host name through getaddrinfo (localhost from /etc/hosts); if it
    also gives ::1, where nothing listens, the next address is tried."""
    r = natter(["-c", "/who", "localhost:%d" % srv.port])
    assert r.returncode == 0, r


def test_network_control_chars():
    """Defence in depth: control characters from the network are replaced.
    natterd refuses to send them (bad-char), so a stand-in server that sends
    them anyway is needed for this one test."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    lsock.settimeout(TIMEOUT)
    evil = (b"= welcome: natter/1 on x; you are guest1 in lobby; /help for commands\n"
            b"<eve> \x1b]2;pwned\x07 red \x1b[31m csi \xc2\x9b1m bad \xff\xfe del \x7f"
            b" tab\tok caf\xc3\xa9\r\n")
    p = subprocess.Popen(NATTER + ["127.0.0.1:%d" % lsock.getsockname()[1]],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        conn, _ = lsock.accept()
        conn.sendall(evil)
        conn.close()
        out, err = p.communicate(b"", timeout=TIMEOUT)
    finally:
        lsock.close()
        if p.poll() is None:
            p.kill()
    line = out.split(b"\n")[1]
    assert line == "<eve> ?]2;pwned? red ?[31m csi ?1m bad ?? del ? tab\tok café".encode(), line
    assert not re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", line)


def test_tty_hostile_room_name():
    """A stand-in server names rooms with escape sequences in its welcome
    and join lines: none of its ESC (or C1) bytes reaches the terminal;
    the prompt shows them as '?'."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    lsock.settimeout(TIMEOUT)
    t = Tty(["127.0.0.1:%d" % lsock.getsockname()[1]])
    conn = None
    try:
        conn, _ = lsock.accept()
        conn.sendall(b"= welcome: natter/1 on x; you are guest1 in r\x1b[31mX\x1b[0m; /help for commands\n")
        t.wait(lambda: b"?[31mX?[0m> " in t.raw, "the sanitized welcome room in the prompt")
        conn.sendall(b"= join: you are in j\x1b[5nY\xc2\x9b1mZ (1 user)\n")
        t.wait(lambda: b"j?[5nY?1mZ> " in t.raw, "the sanitized joined room in the prompt")
        for seq in (b"\x1b[31mX", b"\x1b[0m>", b"\x1b[5nY", b"\xc2\x9b"):
            assert seq not in t.raw, "server bytes %r reached the terminal" % seq
    finally:
        if conn:
            conn.close()
        lsock.close()
        t.close()


def test_reconnect():
    """-r: the server goes away and comes back on the same port; natter
    reconnects, re-applying the nick and room it had (the latest ones)."""
    port = free_port()
    srv = Server("host", args=["-p", str(port)]).start()
    p = Piped(["-r", "-n", "carol", "-j", "den", "127.0.0.1:%d" % port])
    srv2 = None
    try:
        p.wait_out(r"= join: you are in den \(1 user\)")
        p.send(b"/nick carol2\n/join attic\n")
        p.wait_out(r"= join: you are in attic \(1 user\)")
        srv.stop()
        p.wait_out(r"! shutdown: .*")
        t0 = time.time()
        srv2 = Server("host", args=["-p", str(port)]).start()
        p.wait_out(r"= nick: you are now carol2", timeout=5)
        p.wait_out(r"= join: you are in attic \(1 user\)")
        assert p.count(WELCOME) == 2, p.out
        w = srv2.connect()
        w.say("/join attic")
        w.expect(r"= join: you are in attic \(2 users\)")
        p.send(b"back again\n")
        assert skip_room_traffic(w, "<") == "<carol2> back again"
        w.close()
        rc, out, err = p.finish()
        assert rc == 0, (rc, err)
        assert re.search(rb"natter: connection lost: the server is shutting down; retrying in 1 s", err), err
    finally:
        p.kill()
        srv.stop()
        if srv2:
            srv2.stop()


def test_reconnect_backoff():
    """-r with nothing listening: retries after 1 s, then 2 s (exponential
    back-off), and connects once the server is there."""
    port = free_port()
    p = Piped(["-r", "-c", "/who", "127.0.0.1:%d" % port])
    srv = None
    try:
        fd = p.proc.stderr.fileno()
        err = b""
        deadline = time.time() + 12
        while err.count(b"\n") < 2 and time.time() < deadline:
            r, _, _ = select.select([fd], [], [], 1)
            if r:
                err += os.read(fd, 4096)
        delays = re.findall(rb"cannot connect to .* refused; retrying in (\d+) s", err)
        assert delays == [b"1", b"2"], err
        srv = Server("host", args=["-p", str(port)]).start()
        out, _ = p.proc.communicate(timeout=15)
        assert p.proc.returncode == 0, (p.proc.returncode, out)
        assert lines_of(out)[1].startswith("= who: lobby: "), out
    finally:
        p.kill()
        if srv:
            srv.stop()


# ---------------------------------------------------------------- terminal mode

def test_tty_typed_text_survives(srv):
    """A message arrives while a line is half typed: it appears above, and
    the input line still holds the text with the cursor where it was."""
    bob = srv.connect()
    t, nick = tty_session(srv)
    try:
        t.wait_input("lobby>")
        t.type("hello wrld")
        t.wait_input("lobby> hello wrld")
        t.type("\x1b[D\x1b[D\x1b[D")           # cursor left three times: after "w"
        bob.say("hi from bob")
        t.wait_row(r"<%s> hi from bob" % bob.nick)
        t.wait_input("lobby> hello wrld")
        rows = t.screen.all()
        assert rows[-2] == "<%s> hi from bob" % bob.nick, rows[-4:]
        assert t.screen.c == len("lobby> hello w"), t.screen.c
        t.type("o")                             # lands at the cursor kept
        t.wait_input("lobby> hello world")
        t.type("\r")
        assert skip_room_traffic(bob, "<") == "<%s> hello world" % nick
        t.wait_row(r"<%s> hello world" % nick)  # own message echoed
        t.wait_input("lobby>")
        t.type("\x03")
        assert t.exit_code() == 0
        t.termios_restored()
    finally:
        t.close()
        bob.close()


def test_tty_editing(srv):
    """Backspace, Ctrl-W, Ctrl-U, Home/End, Delete, UTF-8 and history."""
    bob = srv.connect()
    t, nick = tty_session(srv)
    try:
        for keys, shown in [
                ("abc def", "abc def"),
                ("\x17", "abc"),                # Ctrl-W: "def" goes, the space stays
                ("\x7f\x7fx", "abx"),           # Backspace twice
                ("\x1b[H>\x1b[F<", ">abx<"),     # Home, End
                ("\x1b[D\x1b[D\x1b[3~", ">ab<"), # Left twice, Delete
        ]:
            t.type(keys)
            t.wait_input(("lobby> " + shown).rstrip())
        t.type("\r")
        assert skip_room_traffic(bob, "<") == "<%s> >ab<" % nick
        t.type("junk\x15caf\u00e9\x7f\u00e9\r")  # Ctrl-U; Backspace on UTF-8
        assert bob.line() == "<%s> caf\u00e9" % nick
        for keys, shown in [
                ("\x1b[A", "caf\u00e9"),         # Up
                ("\x1b[A", ">ab<"),              # Up
                ("\x1b[A", ">ab<"),              # nothing older
                ("\x1b[B", "caf\u00e9"),         # Down
                ("\x1b[B", ""),                  # Down: the (empty) draft
                ("\x1b[A", "caf\u00e9"),
        ]:
            t.type(keys)
            t.wait_input(("lobby> " + shown).rstrip())
        t.type("\r")
        assert bob.line() == "<%s> caf\u00e9" % nick
        t.type("x\x04")                         # Ctrl-D on text: not a quit
        t.wait_input("lobby> x")
        t.type("\x15\x04")                     # Ctrl-D on an empty line quits
        assert t.exit_code() == 0
        t.termios_restored()
    finally:
        t.close()
        bob.close()


def test_tty_commands_and_room_prompt(srv):
    t, nick = tty_session(srv, ["-n", "dora", "-j", "den"])
    try:
        t.wait_row(r"= join: you are in den \(1 user\)")
        t.wait_input("den>")
        t.type("/join attic\r")
        t.wait_input("attic>")
        t.type("/nick 9\r")
        t.wait_row(r"! bad-nick: .*")
        t.type("\x03")
        assert t.exit_code() == 0
        t.termios_restored()
    finally:
        t.close()


def test_tty_colours(srv):
    bob = srv.connect()
    t, nick = tty_session(srv)
    try:
        bob.say("one")
        bob.say("two")
        t.type("/nick 9\r")
        t.wait_row(r"! bad-nick: .*")
        heads = re.findall(rb"(\x1b\[[0-9;]*m)<%s>" % bob.nick.encode(), t.raw)
        assert len(heads) == 2 and heads[0] == heads[1], t.raw[-400:]
        assert re.search(rb"\x1b\[1;31m! bad-nick: ", t.raw), t.raw[-400:]
        t.type("\x03")
        assert t.exit_code() == 0
    finally:
        t.close()
        bob.close()
    t, nick = tty_session(srv, env_extra={"NO_COLOR": "1"})
    try:
        t.type("/nick 9\r")
        t.wait_row(r"! bad-nick: .*")
        assert not re.search(rb"\x1b\[[0-9;]*m", t.raw), t.raw[-400:]
        t.type("\x03")
        assert t.exit_code() == 0
    finally:
        t.close()


def test_tty_long_line(srv):
    """Input wider than the terminal scrolls sideways instead of wrapping,
    also after the window is made narrower."""
    bob = srv.connect()
    t, nick = tty_session(srv)
    try:
        text = "".join(chr(ord("a") + i % 26) for i in range(200))
        t.type(text)
        t.wait(lambda: t.screen.last().endswith(text[-60:]), "the end of the text shown")
        assert len(t.screen.last()) <= 79, t.screen.last()
        t.type("\x01")                          # Ctrl-A: the start again
        t.wait(lambda: t.screen.last().startswith("lobby> abcdef"), "the start shown")
        t.resize(40)
        t.type("\x05")                          # Ctrl-E: the end, in 40 columns
        t.wait(lambda: t.screen.last().endswith(text[-20:]), "the end shown in 40 columns")
        assert len(t.screen.last()) <= 39, t.screen.last()
        t.type("\r")
        assert skip_room_traffic(bob, "<") == "<%s> %s" % (nick, text)
        t.type("\x03")
        assert t.exit_code() == 0
    finally:
        t.close()
        bob.close()


def test_tty_sigterm_restores():
    srv = Server("host").start()
    t, nick = tty_session(srv)
    try:
        t.type("half")
        t.wait_input("lobby> half")
        t.proc.send_signal(signal.SIGTERM)
        rc = t.exit_code()
        assert rc == -signal.SIGTERM, rc
        t.termios_restored()
    finally:
        t.close()
        srv.stop()


def test_tty_lost_connection_restores():
    srv = Server("host").start()
    t, nick = tty_session(srv)
    try:
        t.type("half")
        t.wait_input("lobby> half")
        srv.stop()
        rc = t.exit_code()
        assert rc == 1, rc
        t.termios_restored()
        one_line_reason(t.proc.stderr.read(), r"connection lost: the server is shutting down")
    finally:
        t.close()
        srv.stop()


EVIL_LINE = (b"<eve> \x1b]2;pwned\x07 red \x1b[31m csi \xc2\x9b1m bad \xff\xfe del \x7f"
             b" bell \x07 nul \x00 caf\xc3\xa9\r\n")
EVIL_SHOWN = "<eve> ?]2;pwned? red ?[31m csi ?1m bad ?? del ? bell ? nul ? café"


def test_tty_control_chars_never_printed():
    """natter's own filter in a terminal: a stand-in server sends control
    characters natterd would refuse (ESC, OSC, C1 CSI, BEL, NUL, DEL, bad
    UTF-8); the row on the screen shows each as `?`, and no control byte
    reaches the terminal (the Screen raises on any, and BEL is looked for
    in what natter wrote)."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    lsock.settimeout(TIMEOUT)
    t = Tty(["127.0.0.1:%d" % lsock.getsockname()[1]])
    conn = None
    try:
        conn, _ = lsock.accept()
        conn.sendall(b"= welcome: natter/1 on x; you are guest1 in lobby; /help for commands\n")
        t.wait_row(WELCOME)
        conn.sendall(EVIL_LINE)
        t.wait_row(re.escape(EVIL_SHOWN))
        assert b"\x07" not in t.raw and b"\x00" not in t.raw and b"\xc2\x9b" not in t.raw, t.raw[-300:]
        assert b"\x1b]" not in t.raw, t.raw[-300:]
        t.type("\x03")
        assert t.exit_code() == 0
    finally:
        if conn:
            conn.close()
        lsock.close()
        t.close()


# ---------------------------------------------------------------- main

def main():
    natlib.raise_fd_limit(4096)
    # Killed by a timeout: unwind, so the finally clauses stop the servers.
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    if not os.path.exists(NATTER[-1]):
        natlib.result("FAIL", "client-%s: binary" % TARGET, "%s not built" % NATTER[-1])
        return 1
    suite = Suite("client-%s: " % TARGET)
    srv = Server("host").start()
    srv_fast = Server("host", args=["--rate", "0"]).start()
    try:
        for name, fn, args in [
            ("pipe lines and exit 0", test_pipe_lines, (srv,)),
            ("pipe messages reach the room", test_pipe_messages_reach_room, (srv,)),
            ("pipe 5000 lines in order", test_pipe_many_lines, (srv_fast,)),
            ("-c with -n and -j", test_cmd_nick_join, (srv,)),
            ("-c own /stats shown", test_cmd_own_stats, (srv,)),
            ("-c /quit exits 0", test_cmd_quit, (srv,)),
            ("-c errors printed", test_cmd_errors_printed, (srv,)),
            ("refused connection exits 1", test_refused, ()),
            ("unresolvable name exits 1", test_unresolvable, ()),
            ("server shutdown exits 1", test_server_shutdown, ()),
            ("full server exits 1", test_server_full, ()),
            ("-c: close before the answers exits 1", test_close_before_answers, ()),
            ("end of input: bounded wait", test_end_wait_bounded, ()),
            ("bad usage exits 2", test_bad_usage, ()),
            ("--help and --version", test_help_version, ()),
            ("IPv6 literal", test_ipv6_literal, ()),
            ("host name resolved", test_localhost_name, (srv,)),
            ("network control characters replaced", test_network_control_chars, ()),
            ("-r reconnects and re-applies nick and room", test_reconnect, ()),
            ("-r back-off", test_reconnect_backoff, ()),
            ("tty: typed text survives a message", test_tty_typed_text_survives, (srv,)),
            ("tty: line editing and history", test_tty_editing, (srv,)),
            ("tty: commands and room prompt", test_tty_commands_and_room_prompt, (srv,)),
            ("tty: colours and NO_COLOR", test_tty_colours, (srv,)),
            ("tty: long input scrolls", test_tty_long_line, (srv,)),
            ("tty: SIGTERM restores the terminal", test_tty_sigterm_restores, ()),
            ("tty: lost connection restores the terminal", test_tty_lost_connection_restores, ()),
            ("tty: no control bytes reach the screen", test_tty_control_chars_never_printed, ()),
            ("tty: hostile room names sanitized in the prompt", test_tty_hostile_room_name, ()),
        ]:
            if only and not any(o in name for o in only):
                continue
            suite.run(name, fn, *args)
    finally:
        srv.stop()
        srv_fast.stop()
    return 1 if suite.failed else 0


only = sys.argv[2:]
if __name__ == "__main__":
    sys.exit(main())
