"""A throwaway OpenSSH server on 127.0.0.1 that plays a board for the
deploy tests (standard library only).

SshBoard() makes a fresh host key and user key in a temporary directory,
starts the real /usr/sbin/sshd in the foreground on a free loopback port
(only public-key logins of the current user, with those keys), and waits
for its SSH banner. ssh_args() are the options deploy needs to reach it
(identity, port, a known_hosts file holding exactly that host key, so the
host key is checked for real). stop() ends sshd by its PID.

Every "board" is a directory under the test's temporary directory, given
to deploy with --root; stop_natterd(root) ends the natterd that the
board's init script started there, by the PID in ROOT/run/natterd.pid.
"""
import getpass, os, shutil, signal, socket, subprocess, tempfile, time

SSHD = "/usr/sbin/sshd"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port():
    """A loopback port with nothing listening (bound, never listened on, closed)."""
    return free_port()


def run(argv, **kw):
    return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, check=True, **kw).stdout


class SshBoard:
    def __init__(self, workdir):
        self.dir = tempfile.mkdtemp(prefix="sshboard-", dir=workdir)
        self.user = getpass.getuser()
        self.proc = None
        self.port = None
        self.host_key = os.path.join(self.dir, "host_ed25519")
        self.user_key = os.path.join(self.dir, "id_ed25519")
        self.known_hosts = os.path.join(self.dir, "known_hosts")
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test-host", "-f", self.host_key])
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test-user", "-f", self.user_key])
        shutil.copy(self.user_key + ".pub", os.path.join(self.dir, "authorized_keys"))
        os.chmod(os.path.join(self.dir, "authorized_keys"), 0o600)
        self.log = os.path.join(self.dir, "sshd.log")

    def start(self, tries=5):
        if os.geteuid() == 0:
            # sshd's privilege separation directory (Debian's init makes it).
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        for _ in range(tries):
            self.port = free_port()
            conf = os.path.join(self.dir, "sshd_config")
            with open(conf, "w") as f:
                f.write("\n".join([
                    "Port %d" % self.port,
                    "ListenAddress 127.0.0.1",
                    "HostKey " + self.host_key,
                    "AuthorizedKeysFile " + os.path.join(self.dir, "authorized_keys"),
                    "AllowUsers " + self.user,
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PermitRootLogin prohibit-password",
                    "UsePAM no",
                    # The key files live under /tmp (mode 1777), which
                    # StrictModes would reject as a parent directory.
                    "StrictModes no",
                    "PidFile none",
                    "LogLevel VERBOSE",
                    "MaxStartups 50",
                    "MaxSessions 50",
                    "",
                ]))
            with open(self.known_hosts, "w") as f:
                pub = open(self.host_key + ".pub").read().split()
                f.write("[127.0.0.1]:%d %s %s\n" % (self.port, pub[0], pub[1]))
            self.logf = open(self.log, "ab")
            self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", conf], stdin=subprocess.DEVNULL,
                                         stdout=self.logf, stderr=self.logf)
            if self._wait_banner():
                return self
            self.stop()
        raise RuntimeError("sshd did not start: " + open(self.log).read()[-500:])

    def _wait_banner(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                    s.settimeout(max(0.1, deadline - time.time()))
                    if s.recv(64).startswith(b"SSH-2.0-"):
                        return True
            except OSError:
                time.sleep(0.05)   # sshd not listening yet: nothing to read from
        return False

    def ssh_args(self):
        """deploy options that reach this board."""
        return ["-i", self.user_key, "--ssh-port", str(self.port),
                "-o", "UserKnownHostsFile=" + self.known_hosts,
                "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "StrictHostKeyChecking=yes"]

    def dest(self):
        return "%s@127.0.0.1" % self.user

    def ssh(self, command):
        """Run a command on the board, return (status, output)."""
        p = subprocess.run(["ssh", "-F", "/dev/null", "-i", self.user_key, "-p", str(self.port),
                            "-o", "UserKnownHostsFile=" + self.known_hosts,
                            "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
                            self.dest(), command], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
        return p.returncode, p.stdout

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self.logf.close()
        self.proc = None


def alive(pid):
    """True while PID runs (a zombie waiting for init to reap it is not)."""
    try:
        os.kill(pid, 0)
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def natterd_pid(root):
    try:
        pid = int(open(os.path.join(root, "run", "natterd.pid")).read().strip())
    except (OSError, ValueError):
        return None
    return pid if alive(pid) else None


def stop_natterd(root, timeout=15):
    """End the natterd the board's init script started under ROOT (by PID)."""
    pid = natterd_pid(root)
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not alive(pid):
            return
        # Not our child: no wait() to block on, so poll its existence.
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
