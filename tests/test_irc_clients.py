#!/usr/bin/env python3
"""Real IRC clients against natterd: irssi (in tmux) and WeeChat
(weechat-headless, driven through its FIFO plugin) in one room with a
natter client and a WebSocket client (the browser page's door): join,
talk both ways, /me and ACTION, private messages both ways, a nick change
seen by all, quit reasons.

What irssi shows is read from its tmux pane; what WeeChat receives from
its logger's file of the channel and of the private buffer; what natter
and WebSocket users see from a natlib.Client and a test_web.WS. Waits on
the two IRC clients are bounded polls (they give no other signal); the
natter and WebSocket clients are read with a timeout.

  tests/test_irc_clients.py
"""
import glob, os, re, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlib                                       # noqa: E402
from natlib import Suite, Skip                      # noqa: E402
from test_web import WebServer, WS                  # noqa: E402

TIMEOUT = 20


def wait_for(what, fn, timeout=TIMEOUT):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)   # polling a pane or a log file: nothing to block on
    raise AssertionError("timed out waiting for " + what)


class Irssi:
    def __init__(self, port, nick, home):
        self.session = "natter-irssi-%d" % os.getpid()
        self.home = home
        os.makedirs(home, exist_ok=True)
        with open(os.path.join(home, "config"), "w") as f:
            f.write('settings = { core = { real_name = "Irssi User"; user_name = "%s"; '
                    'nick = "%s"; }; "fe-common/core" = { theme = "default"; }; };\n' % (nick, nick))
        subprocess.run(["tmux", "new-session", "-d", "-x", "200", "-y", "50", "-s", self.session,
                        "irssi --home=%s -c 127.0.0.1 -p %d -n %s" % (home, port, nick)], check=True)

    def cmd(self, text):
        subprocess.run(["tmux", "send-keys", "-t", self.session, "-l", text], check=True)
        subprocess.run(["tmux", "send-keys", "-t", self.session, "Enter"], check=True)

    def screen(self):
        r = subprocess.run(["tmux", "capture-pane", "-p", "-S", "-200", "-t", self.session],
                           capture_output=True, text=True)
        return r.stdout

    def sees(self, pattern):
        return wait_for("irssi to show %r" % pattern, lambda: re.search(pattern, self.screen()))

    def logged(self, target, pattern):
        path = "%s/logs/%s.log" % (self.home, target)

        def read():
            try:
                with open(path, errors="replace") as f:
                    return re.search(pattern, f.read())
            except OSError:
                return None
        return wait_for("irssi's %s log to show %r" % (target, pattern), read)

    def close(self):
        subprocess.run(["tmux", "kill-session", "-t", self.session], capture_output=True)


class WeeChat:
    def __init__(self, port, nick, home):
        self.home = home
        os.makedirs(home, exist_ok=True)
        cmds = ";".join([
            "/set logger.file.auto_log on",
            "/set logger.file.flush_delay 0",
            "/set logger.file.path %s/logs" % home,
            "/set logger.mask.irc \"$server.$channel.weechatlog\"",
            "/set fifo.file.enabled on",
            "/set fifo.file.path %s/fifo" % home,
            "/server add natter 127.0.0.1/%d -notls -nicks=%s -username=%s -realname=wee"
            % (port, nick, nick),
            "/set irc.server.natter.autojoin \"\"",
            "/connect natter",
        ])
        self.proc = subprocess.Popen(["weechat-headless", "--dir", home, "--run-command", cmds],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_for("weechat's fifo", lambda: os.path.exists(home + "/fifo"))

    def cmd(self, text, buffer="irc.server.natter"):
        with open(self.home + "/fifo", "w") as f:
            f.write("%s *%s\n" % (buffer, text))

    def log(self, name):
        text = ""
        for p in glob.glob("%s/logs/natter.%s.weechatlog" % (self.home, name)):
            with open(p, errors="replace") as f:
                text += f.read()
        return text

    def sees(self, name, pattern):
        return wait_for("weechat's %s log to show %r" % (name, pattern),
                        lambda: re.search(pattern, self.log(name)))

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def sees(read, pattern, who):
    """Lines from read(timeout) up to the first that matches."""
    while True:
        l = read(TIMEOUT)
        assert l is not None, "%s: EOF waiting for %r" % (who, pattern)
        if re.fullmatch(pattern, l):
            return l


def natter_sees(c, pattern):
    return sees(c.line, pattern, "natter client")


def ws_sees(ws, pattern):
    return sees(ws.text, pattern, "WebSocket client")


def clients_in_one_room():
    for tool in ("irssi", "weechat-headless", "tmux"):
        if not shutil.which(tool):
            raise Skip("%s is not installed (toolchain/install-deps.sh --pkg irssi "
                       "weechat-headless tmux)" % tool)
    tmp = tempfile.mkdtemp(prefix="natter-irc-clients-", dir=natlib.BUILD)
    srv = WebServer(["--irc", "0"])
    srv.start()
    irssi = wee = None
    try:
        port = int(re.search(r"irc 127\.0\.0\.1:(\d+)", srv.stderr()).group(1))
        n = natlib.Client(srv.host, srv.port)
        n.cmd("/nick nat")
        ws = WS(srv.web)                        # the browser page's door
        ws.say("/nick web")
        ws_sees(ws, "= nick: you are now web")
        irssi = Irssi(port, "irs", tmp + "/irssi")
        wee = WeeChat(port, "wee", tmp + "/weechat")
        irssi.sees(r"Welcome to natter")
        irssi.cmd("/set autolog_path %s/irssi/logs/$0.log" % tmp)
        irssi.cmd("/set autolog ON")
        irssi.cmd("/join #lobby")
        natter_sees(n, "-- irs joined lobby")
        wee.cmd("/join #lobby")
        natter_sees(n, "-- wee joined lobby")
        irssi.sees(r"wee.*has joined #lobby")
        ws_sees(ws, "-- irs joined lobby")
        ws_sees(ws, "-- wee joined lobby")
        # talk both ways
        n.say("hello from natter")
        irssi.sees(r"<\s*@nat> hello from natter")     # nat opened the lobby: its @
        wee.sees("#lobby", r"nat\thello from natter")
        irssi.cmd("hello from irssi")
        natter_sees(n, "<irs> hello from irssi")
        wee.sees("#lobby", r"irs\thello from irssi")
        wee.cmd("hello from weechat", "irc.natter.#lobby")
        natter_sees(n, "<wee> hello from weechat")
        irssi.sees(r"<\s*wee> hello from weechat")
        ws_sees(ws, "<nat> hello from natter")
        ws_sees(ws, "<irs> hello from irssi")
        ws_sees(ws, "<wee> hello from weechat")
        ws.say("hello from the web")
        natter_sees(n, "<web> hello from the web")
        irssi.sees(r"<\s*web> hello from the web")
        wee.sees("#lobby", r"web\thello from the web")
        # /me and ACTION
        irssi.cmd("/me waves")
        natter_sees(n, r"\* irs waves")
        wee.sees("#lobby", r"irs waves")
        n.say("/me bows")
        irssi.sees(r"\* nat bows")
        wee.sees("#lobby", r"nat bows")
        ws_sees(ws, r"\* irs waves")
        ws_sees(ws, r"\* nat bows")
        ws.say("/me nods")
        irssi.sees(r"\* web nods")
        wee.sees("#lobby", r"web nods")
        # private messages both ways
        n.say("/msg irs psst irssi")
        irssi.logged("nat", r"nat.*psst irssi")
        n.say("/msg wee psst weechat")
        wee.sees("nat", r"nat\tpsst weechat")
        irssi.cmd("/msg nat back from irssi")
        natter_sees(n, r"\*irs\* back from irssi")
        wee.cmd("/msg nat back from weechat")
        natter_sees(n, r"\*wee\* back from weechat")
        ws.say("/msg wee psst from the web")
        wee.sees("web", r"web\tpsst from the web")
        wee.cmd("/msg web back to the web")
        ws_sees(ws, r"\*wee\* back to the web")
        # a nick change seen by all
        irssi.cmd("/nick irs2")
        natter_sees(n, "-- irs is now known as irs2")
        wee.sees("#lobby", r"irs.*irs2")
        n.say("/nick nat2")
        natter_sees(n, "= nick: you are now nat2")
        irssi.sees(r"nat is now known as nat2")
        wee.sees("#lobby", r"nat.*nat2")
        ws_sees(ws, "-- irs is now known as irs2")
        ws_sees(ws, "-- nat is now known as nat2")
        # quit reasons
        wee.cmd("/quit see you")
        natter_sees(n, r"-- wee quit \(see you\)")
        irssi.sees(r"wee.*has quit.*see you")
        irssi.cmd("/quit bye all")
        natter_sees(n, r"-- irs2 quit \(bye all\)")
        ws_sees(ws, r"-- wee quit \(see you\)")
        ws_sees(ws, r"-- irs2 quit \(bye all\)")
    finally:
        if irssi:
            irssi.close()
        if wee:
            wee.close()
        rc = srv.stop()
    assert rc == 0, "natterd exited %s" % rc


def main():
    natlib.TIMEOUT = TIMEOUT
    suite = Suite("irc-clients: ")
    suite.run("irssi_weechat_natter_in_one_room", clients_in_one_room)
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
