#!/usr/bin/env python3
"""natter and room history: in a terminal (a real pty) the room's history
shows dimmed, in local time, after connecting and after each /join, before
the live lines; --no-history hides it; pipe mode shows nothing extra unless
asked (-c /history). Against a real host natterd.

    python3 tests/test_client_history.py [TARGET]

TARGET picks the natter binary (ARM ones run under qemu), as in
tests/test_client.py, whose pty helpers this file uses.
"""
import calendar, os, re, sys, time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlib                                       # noqa: E402
from natlib import Server, Suite                    # noqa: E402
import test_client as tc                            # noqa: E402

DIM = b"\x1b[2m"
HIST_ROW = r"(?:\d{4}-\d\d-\d\d )?\d\d:\d\d <%s> %s"


def history_times(client):
    """The server's own /history reply, as [(utc seconds, text)]."""
    client.say("/history")
    got = []
    while True:
        line = client.line()
        if not got and (line or "").startswith("-- "):
            continue                        # an event of the room before the reply
        m = re.fullmatch(r"= history: (\S+Z) (.*)", line or "")
        if not m:
            assert re.fullmatch(r"= history: \S+ \(\d+ lines?\)", line or ""), line
            return got
        got.append((calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%SZ")), m.group(2)))


def local_hhmm(secs, zone):
    from zoneinfo import ZoneInfo
    return datetime.fromtimestamp(secs, timezone.utc).astimezone(ZoneInfo(zone)).strftime("%H:%M")


def rows_index(t, pattern):
    for i, row in enumerate(t.screen.all()):
        if re.fullmatch(pattern, row):
            return i
    return -1


def test_tty_history_on_connect_and_join(srv):
    bob = srv.connect()
    bob.say("/nick bob")
    bob.expect(r"= nick: you are now bob")
    bob.say("old one")
    bob.say("old two")
    kept = history_times(bob)
    assert [x for _, x in kept][-2:] == ["<bob> old one", "<bob> old two"], kept
    carol = srv.connect()
    carol.say("/nick carol")
    carol.expect(r"= nick: you are now carol")
    carol.say("/join den")
    carol.expect(r"= join: you are in den \(1 user\)")
    carol.say("in the den")
    history_times(carol)                    # carol's line is accepted
    zone = "Asia/Tokyo"
    t = tc.Tty([tc.addr(srv)], {"TZ": zone})
    try:
        t.wait_row(tc.WELCOME)
        when = local_hhmm(kept[-1][0], zone)
        t.wait_row(r"%s <bob> old two" % when)
        # dimmed, in local time (Tokyo: UTC+9), and the closing line hidden
        assert re.search(re.escape(DIM) + rb"\d\d:\d\d <bob> old one", t.raw), t.raw[-600:]
        assert rows_index(t, r"= history: .*") < 0, t.screen.all()
        bob.say("live now")
        t.wait_row(r"<bob> live now")
        assert rows_index(t, HIST_ROW % ("bob", "old two")) < rows_index(t, r"<bob> live now")
        t.type("/join den\r")
        t.wait_row(HIST_ROW % ("carol", "in the den"))
        assert rows_index(t, r"= join: you are in den \(2 users\)") < \
            rows_index(t, HIST_ROW % ("carol", "in the den"))
        carol.say("den live")
        t.wait_row(r"<carol> den live")
        assert rows_index(t, HIST_ROW % ("carol", "in the den")) < rows_index(t, r"<carol> den live")
        t.type("/history 1\r")              # asked by hand: the closing line shows
        t.wait_row(r"= history: den \(1 line\)")
        t.type("\x03")
        assert t.exit_code() == 0
    finally:
        t.close()
        bob.close()
        carol.close()


def test_tty_no_history(srv):
    bob = srv.connect()
    bob.say("before natter")
    history_times(bob)
    t = tc.Tty(["--no-history", tc.addr(srv)])
    try:
        t.wait_row(tc.WELCOME)
        bob.say("after natter")
        t.wait_row(r"<%s> after natter" % bob.nick)
        assert rows_index(t, HIST_ROW % (bob.nick, "before natter")) < 0, t.screen.all()
        assert not re.search(rb"\d\d:\d\d <", t.raw), t.raw[-600:]
        t.type("\x03")
        assert t.exit_code() == 0
    finally:
        t.close()
        bob.close()


def test_pipe_no_history_unless_asked(srv):
    bob = srv.connect()
    bob.say("pipe past")
    history_times(bob)
    r = tc.natter([tc.addr(srv)], b"/stats\n")
    out = tc.lines_of(r.stdout)
    assert r.returncode == 0, r
    assert re.fullmatch(tc.WELCOME, out[0]) and out[1].startswith("= stats: ") and len(out) == 2, out
    r = tc.natter(["-c", "/history 1", tc.addr(srv)])
    out = tc.lines_of(r.stdout)
    assert r.returncode == 0, r
    assert re.fullmatch(r"= history: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ <%s> pipe past" % bob.nick, out[1]), out
    assert out[2:] == ["= history: lobby (1 line)"], out
    bob.close()


def test_local_time_zones(srv):
    """The shown time is the history line's UTC time in the zone of TZ."""
    bob = srv.connect()
    bob.say("zoned")
    kept = history_times(bob)
    for zone in ("America/New_York", "Europe/Berlin", "UTC"):
        if not os.path.exists("/usr/share/zoneinfo/" + zone):
            continue
        t = tc.Tty([tc.addr(srv)], {"TZ": zone})
        try:
            t.wait_row(r"(?:\d{4}-\d\d-\d\d )?%s <%s> zoned" % (local_hhmm(kept[-1][0], zone), bob.nick))
            t.type("\x03")
            assert t.exit_code() == 0
        finally:
            t.close()
    bob.close()


def main():
    natlib.raise_fd_limit(4096)
    if not os.path.exists(tc.NATTER[-1]):
        natlib.result("FAIL", "client-history-%s: binary" % tc.TARGET, "%s not built" % tc.NATTER[-1])
        return 1
    suite = Suite("client-history-%s: " % tc.TARGET)
    srv = Server("host").start()
    try:
        for name, fn in [
            ("tty: history after connect and /join, dimmed, local time", test_tty_history_on_connect_and_join),
            ("tty: --no-history", test_tty_no_history),
            ("pipe: nothing extra; -c /history", test_pipe_no_history_unless_asked),
            ("tty: times in the TZ zone", test_local_time_zones),
        ]:
            suite.run(name, fn, srv)
    finally:
        srv.stop()
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
