"""natterd's log under load: connection lines are rate-limited with a
summary, and a stderr nobody reads (a full pipe) never holds up the chat."""
import fcntl, os, re, signal, socket, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlib
from natlib import Client, Suite

TARGET = sys.argv[1] if len(sys.argv) > 1 else "host"
BIN = natlib.binary(TARGET)
PREFIX = natlib.emulator(TARGET)
LIMITS = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "core", "limits.h")).read()
PER_SEC = int(re.search(r"#define LOG_CONN_LINES_PER_SEC (\d+)", LIMITS).group(1))
CONN_LINE = re.compile(r"natterd: (connect|disconnect|refused) ")
SUPPRESSED = re.compile(r"natterd: (\d+) more connection lines suppressed")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_client(port, seconds=15):
    """The first client, once natterd listens (it may not print a ready
    line anyone can read)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return Client("127.0.0.1", port, timeout=5)
        except OSError:
            assert time.monotonic() < deadline, "natterd never listened"
            time.sleep(0.1)


def until(client, pattern, timeout):
    """Reads lines (other clients' joins and leaves) until one matches."""
    deadline = time.monotonic() + timeout
    while True:
        line = client.line(timeout=max(0.01, deadline - time.monotonic()))
        assert line is not None, "connection closed"
        if re.fullmatch(pattern, line):
            return line


def wait_alone(client, timeout):
    """Asks /stats until it counts only client: every other connection's
    disconnect has been handled, and logged or counted, by then."""
    deadline = time.monotonic() + timeout
    while True:
        client.say("/stats")
        line = until(client, r"= stats: .*", max(0.01, deadline - time.monotonic()))
        if re.search(r"connections 1/", line):
            return
        assert time.monotonic() < deadline, "still connected: " + line
        time.sleep(0.05)        # between polls; the reply itself is the wait


def test_connect_flood_rate_limited():
    """2,000 connects (each a connect and a disconnect line): at most
    LOG_CONN_LINES_PER_SEC such lines a second are written, and the
    summaries account for every other one."""
    err_path = os.path.join(natlib.BUILD, "test-logs", "natterd-log-flood-%d.err" % os.getpid())
    os.makedirs(os.path.dirname(err_path), exist_ok=True)
    port = free_port()
    t0 = time.monotonic()
    with open(err_path, "wb") as err:
        p = subprocess.Popen(PREFIX + [BIN, "-p", str(port), "-b", "127.0.0.1"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    try:
        first = wait_client(port)
        for _ in range(1999):
            socket.create_connection(("127.0.0.1", port), timeout=10).close()
        # Each join and leave goes to everyone in the lobby, so natterd can
        # take a second or more (a loaded CI machine) to get through the
        # flood after the last connect returns: done when only the first
        # client is left. Its own disconnect is logged at SIGTERM.
        wait_alone(first, 20)
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=30) == 0
    seconds = time.monotonic() - t0
    lines = open(err_path, errors="replace").read().splitlines()
    conn = [l for l in lines if CONN_LINE.match(l)]
    suppressed = sum(int(m.group(1)) for m in map(SUPPRESSED.match, lines) if m)
    print("  %d connection lines written, %d suppressed, %d lines in all, %.1f s"
          % (len(conn), suppressed, len(lines), seconds))
    assert len(conn) <= PER_SEC * (int(seconds) + 2), (len(conn), seconds)
    assert suppressed > 0, "no summary line"
    assert len(conn) + suppressed == 4000, "lines lost without a count: %d + %d" % (len(conn), suppressed)
    assert len(lines) < 200, len(lines)


def full_pipe():
    """A pipe whose buffer is already full and which nobody reads."""
    r, w = os.pipe()
    fl = fcntl.fcntl(w, fcntl.F_GETFL)
    fcntl.fcntl(w, fcntl.F_SETFL, fl | os.O_NONBLOCK)
    try:
        while True:
            os.write(w, b"x" * 4096)
    except BlockingIOError:
        pass
    try:
        while True:
            os.write(w, b"x")
    except BlockingIOError:
        pass
    fcntl.fcntl(w, fcntl.F_SETFL, fl)    # natterd gets a blocking stderr
    return r, w


def test_full_stderr_pipe():
    """stderr a full pipe nobody reads: clients are still served (a room
    message arrives within 1 s), connect floods too, and SIGTERM still
    ends natterd with status 0."""
    r, w = full_pipe()
    port = free_port()
    p = subprocess.Popen(PREFIX + [BIN, "-p", str(port), "-b", "127.0.0.1"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=w)
    os.close(w)
    try:
        a = wait_client(port)
        for round_ in range(3):
            for _ in range(100):
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
            b = Client("127.0.0.1", port, timeout=5)
            until(a, r"-- %s joined lobby" % re.escape(b.nick), 5)
            t = time.monotonic()
            b.say("hello %d" % round_)
            until(a, r"<%s> hello %d" % (re.escape(b.nick), round_), 1)
            assert time.monotonic() - t < 1
            b.say("/quit")
            until(a, r"-- %s quit" % re.escape(b.nick), 5)
        a.sock.close()
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            rc = "still running 20 s after SIGTERM"
        os.close(r)
    assert rc == 0, rc


if __name__ == "__main__":
    suite = Suite("log-%s/" % TARGET)
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_")]
    for name, fn in tests:
        suite.run(name[5:], fn)
    sys.exit(1 if suite.failed else 0)
