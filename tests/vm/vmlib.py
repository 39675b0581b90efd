"""The virtual Raspberry Pi for the tests (standard library only).

image() builds (or finds in the cache) the arm64 Debian image with
tests/vm/vm and returns its directory. Vm(image_dir, ports) boots a
throwaway copy of its disk (a qcow2 overlay, or a raw copy given as disk=)
under qemu-system-aarch64 -M virt (TCG), with user-mode networking that
reaches nothing (restrict=on) and, on 127.0.0.1 only, ssh forwarded from a
free port and each port in `ports` forwarded: a number to the same port in
the guest (so natterd's port means the same on both sides, as deploy
expects), a pair (host, guest) as given.
The serial console goes to a log file; stop() powers the VM off and ends
qemu by its PID if it does not stop in time.
"""
import os, signal, socket, subprocess, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VM_TOOL = os.path.join(HERE, "vm")
QEMU = "qemu-system-aarch64"
DISK_ROOT_PART = 2


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(argv, timeout=600, **kw):
    return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout, **kw)


def image():
    """The image directory (built on the first call; cached under $NATTER_CACHE/vm/)."""
    r = run([VM_TOOL, "build"], timeout=3600)
    if r.returncode != 0:
        raise RuntimeError("tests/vm/vm build failed: " + r.stdout[-1500:])
    return r.stdout.strip().splitlines()[-1]


def root_offset(disk):
    """Byte offset of the ext4 root partition (2) in a raw disk image."""
    out = run(["sfdisk", "-d", disk]).stdout
    for line in out.splitlines():
        if " : " in line and line.split(" : ")[0].strip().endswith(str(DISK_ROOT_PART)):
            start = [f for f in line.split(" : ")[1].split(",") if "start=" in f][0]
            return int(start.split("=")[1]) * 512
    raise RuntimeError("no partition %d in %s" % (DISK_ROOT_PART, disk))


def read_file(disk, path):
    """A file of the image's root, read with debugfs (no mount)."""
    r = subprocess.run(["debugfs", "-R", "cat " + path, "%s?offset=%d" % (disk, root_offset(disk))],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return r.stdout


class Vm:
    def __init__(self, image_dir, workdir, ports=(), disk=None, name="vm", smp=2, mem=1024, ssh_port=None):
        self.dir = image_dir
        self.work = workdir
        self.name = name
        self.key = os.path.join(image_dir, "id_ed25519")
        self.raw = disk or os.path.join(image_dir, "disk.img")
        self.own_disk = disk is not None
        self.ports = list(ports)
        self.smp, self.mem = smp, mem
        self.proc = None
        self.ssh_port = ssh_port
        self.console = os.path.join(ROOT, "build", "test-logs", "vm-%s-console.log" % name)
        self.known_hosts = os.path.join(workdir, "known_hosts-" + name)

    def start(self, console=None):
        """Boots; console=None: the serial console to self.console, else
        qemu's -serial value (mon:stdio for a person at a terminal)."""
        os.makedirs(os.path.dirname(self.console), exist_ok=True)
        if self.own_disk:
            drive = "file=%s,format=raw,if=none,id=hd" % self.raw
        else:
            overlay = os.path.join(self.work, self.name + ".qcow2")
            r = run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", self.raw, overlay])
            if r.returncode != 0:
                raise RuntimeError("qemu-img: " + r.stdout)
            drive = "file=%s,format=qcow2,if=none,id=hd" % overlay
        # The host key sshd will show: the one made when the image was built.
        hostkey = read_file(self.raw, "/etc/ssh/ssh_host_ed25519_key.pub").decode().split()
        if len(hostkey) < 2:
            raise RuntimeError("cannot read the image's ssh host key")
        self.ssh_port = self.ssh_port or free_port()
        with open(self.known_hosts, "w") as f:
            f.write("[127.0.0.1]:%d %s %s\n" % (self.ssh_port, hostkey[0], hostkey[1]))
        fwd = "".join(",hostfwd=tcp:127.0.0.1:%d-:%d" % (p, g) for p, g in
                      [(self.ssh_port, 22)] + [p if isinstance(p, tuple) else (p, p) for p in self.ports])
        # romfile= : no PXE option ROM for the NIC (the kernel is given
        # directly); without it qemu needs ipxe-qemu's efi-virtio.rom.
        argv = [QEMU, "-M", "virt", "-cpu", "cortex-a57", "-smp", str(self.smp), "-m", str(self.mem),
                "-display", "none", "-monitor", "none", "-serial", console or "file:" + self.console,
                "-kernel", os.path.join(self.dir, "vmlinuz"),
                "-initrd", os.path.join(self.dir, "initrd.img"),
                "-append", "root=/dev/vda%d rw console=ttyAMA0" % DISK_ROOT_PART,
                "-drive", drive, "-device", "virtio-blk-pci,drive=hd",
                "-netdev", "user,id=net,restrict=on" + fwd, "-device", "virtio-net-pci,netdev=net,romfile="]
        self.t0 = time.time()
        if console:
            self.proc = subprocess.Popen(argv)
        else:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def ssh_argv(self, user="pi"):
        return ["ssh", "-p", str(self.ssh_port), "-i", self.key, "-o", "IdentitiesOnly=yes",
                "-o", "BatchMode=yes", "-o", "UserKnownHostsFile=" + self.known_hosts,
                "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
                "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR", user + "@127.0.0.1"]

    def deploy_args(self):
        """What deploy/deploy needs to reach the VM as pi (host key checked)."""
        return ["-P", str(self.ssh_port), "-i", self.key, "-o", "UserKnownHostsFile=" + self.known_hosts,
                "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
                "pi@127.0.0.1"]

    def ssh(self, cmd, timeout=120, check=True):
        r = subprocess.run(self.ssh_argv() + [cmd], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("on the VM, %r exited %d: %s" % (cmd, r.returncode, r.stdout[-800:]))
        return r.stdout

    def put(self, files, remote_dir, timeout=120):
        """Copies local files into remote_dir (made if absent) as pi, over ssh."""
        tar = subprocess.run(["tar", "-cf", "-"] + ["--transform=s|.*/||"] + list(files),
                             stdout=subprocess.PIPE, check=True).stdout
        r = subprocess.run(self.ssh_argv() + ["mkdir -p %s && tar -C %s -xf -" % (remote_dir, remote_dir)],
                           input=tar, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        if r.returncode != 0:
            raise AssertionError("copy to the VM's %s failed: %s" % (remote_dir, r.stdout[-500:]))

    def wait_ssh(self, timeout=300):
        """Seconds from qemu's start until ssh as pi runs a command."""
        deadline = self.t0 + timeout
        while time.time() < deadline:
            if not self.alive():
                raise RuntimeError("qemu exited %s: %s; console: %s" % (
                    self.proc.returncode, self.proc.stdout.read().decode(errors="replace")[-500:],
                    self.console_tail()))
            try:
                r = subprocess.run(self.ssh_argv() + ["true"], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
                if r.returncode == 0:
                    return time.time() - self.t0
            except subprocess.TimeoutExpired:
                pass
            time.sleep(2)
        raise TimeoutError("no ssh within %ds; console: %s" % (timeout, self.console_tail()))

    def console_tail(self, n=15):
        try:
            with open(self.console, errors="replace") as f:
                return " | ".join(l.rstrip() for l in f.readlines()[-n:])
        except OSError:
            return "(no console log)"

    def stop(self, timeout=90):
        if not self.alive():
            return
        try:
            subprocess.run(self.ssh_argv() + ["sudo -n systemctl poweroff"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20)
        except subprocess.TimeoutExpired:
            pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def main(argv):
    """vmlib.py IMAGE_DIR SSH_PORT: boot a throwaway copy with the console
    (and qemu's monitor: Ctrl-A C; Ctrl-A X quits) on this terminal."""
    import tempfile
    work = tempfile.mkdtemp(prefix="natter-vm-")
    vm = Vm(argv[1], work, name="manual", ssh_port=int(argv[2])).start(console="mon:stdio")
    print("vm: ssh -p %s -i %s pi@127.0.0.1   (Ctrl-A X quits)" % (argv[2], vm.key), flush=True)
    try:
        vm.proc.wait()
    finally:
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    import sys
    main(sys.argv)
