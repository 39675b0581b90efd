"""Shared helpers for natter's Python test suites (standard library only).

Server(target) starts build/TARGET/natterd on a free loopback port (it is
started with -p 0 and the port is read from its ready line), and stops it by
PID. Client wraps one socket with line reads that time out instead of
hanging. Results are printed in the runner's format by Suite.
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
            m = re.search(r"ready: listening on [^\n]*?:(\d+)", text)
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


class Suite:
    """Runs test functions and prints PASS/FAIL/SKIP lines for tests/run-suites."""

    def __init__(self, prefix=""):
        self.prefix = prefix
        self.failed = 0

    def run(self, name, fn, *args):
        full = self.prefix + name
        t0 = time.time()
        try:
            fn(*args)
        except Skip as e:
            print("SKIP %s: %s" % (full, e), flush=True)
            return
        except Exception as e:
            self.failed += 1
            print("FAIL %s: %s: %s" % (full, type(e).__name__, str(e)[:500]), flush=True)
            traceback.print_exc(file=sys.stdout)
            return
        print("PASS %s (%.2fs)" % (full, time.time() - t0), flush=True)


class Skip(Exception):
    pass
