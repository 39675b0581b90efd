"""The body of tests/suites/71-asan and 72-tsan: the unit tests (ASan
only), the hardening scenarios and (part of) tests/test_protocol.py, all
against build/KIND/natterd; any sanitizer report fails."""
import os, re, subprocess, sys, time

import hlib, scenarios
from hlib import Suite, natlib

RACE_TESTS = ["nick_race", "join_race", "order_two_senders", "flood_nothing_lost",
              "slot_reuse_no_stale_lines", "shutdown_with_stuck_reader",
              "connect_burst_events", "mass_disconnect_events", "too_slow_client",
              "thousand_clients", "full_table"]


def distinct_summaries(reports, limit=6):
    seen = []
    for _, text in reports:
        for l in text.splitlines():
            m = re.search(r"SUMMARY: \w+Sanitizer: (.*)", l) or re.search(r"(runtime error: .*)", l)
            if m:
                s = re.sub(r"\(\S+\+0x[0-9a-f]+\)", "", m.group(1)).strip()
                if s not in seen:
                    seen.append(s)
    return seen[:limit]


PROTOCOL_TIMEOUT = int(os.environ.get("SANSUITE_PROTOCOL_TIMEOUT", "900"))


def child_results():
    """A fresh results file for a child test program (never our own)."""
    path = os.path.join(hlib.LOGS, "child-%d-%d.results" % (os.getpid(), time.monotonic_ns()))
    open(path, "w").close()
    return path


def read_results(path):
    with open(path) as f:
        return [l.rstrip("\n") for l in f if l.strip()]


def main(kind, timeout_factor, scale, protocol):
    os.chdir(hlib.ROOT)
    label = {"asan": "ASan+UBSan", "tsan": "TSan"}[kind]
    suite = Suite(kind + "/")
    targets = ["build/%s/natterd" % kind] + (["build/asan/unit"] if kind == "asan" else [])

    # The build is not a result; if it fails, that is one FAIL and nothing runs.
    r = subprocess.run(["make", "--no-print-directory", "-s"] + targets,
                       capture_output=True, text=True)
    if r.returncode != 0:
        suite.fail("build", "make failed: " + (r.stdout + r.stderr)[-500:])
        return 1
    san = hlib.Sanitized(kind)

    if kind == "asan":
        def unit():
            results = child_results()
            r = subprocess.run(["build/asan/unit"], capture_output=True, text=True,
                               env=dict(san.env, NATTER_RESULTS=results), timeout=120)
            res = read_results(results)
            fails = [l for l in res if not l.startswith("PASS ")]
            reps = san.reports()
            if reps:
                raise AssertionError("; ".join(distinct_summaries(reps)))
            if r.returncode != 0 or fails or not res:
                raise AssertionError("unit tests: exit %d, %d results, %s" % (
                    r.returncode, len(res), fails[:3]))
            print("# %d unit tests clean under %s" % (len(res), label))
        suite.run("unit", unit)

    def check(server):
        reps = san.reports(server.pid())
        if reps:
            raise AssertionError("%d report(s) from natterd %d: %s" % (
                sum(t.count("WARNING: ") + t.count("ERROR: ") for _, t in reps),
                server.pid(), "; ".join(distinct_summaries(reps))))

    natlib.TIMEOUT *= timeout_factor
    scenarios.run(suite, lambda args, **kw: san.server(args, **kw), scale, check)

    def protocol_suite():
        if not os.path.exists("tests/test_protocol.py"):
            raise hlib.Skip("tests/test_protocol.py is not in the tree")
        before = {f for f, _ in san.reports()}
        results = child_results()
        # Each protocol test is a result of this suite (protocol-KIND: name):
        # wrong output caused by undefined behaviour, or a hang, fails here
        # even when no sanitizer report appears. A hang of the whole run is
        # cut by the timeout and fails too.
        try:
            r = subprocess.run([sys.executable, "tests/hardening/run_protocol.py", kind] + protocol,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=dict(san.env, NATTER_RESULTS=results), timeout=PROTOCOL_TIMEOUT)
            out, rc = r.stdout, r.returncode
        except subprocess.TimeoutExpired as e:
            out = e.stdout or ""
            out = out.decode("utf-8", "replace") if isinstance(out, bytes) else out
            rc = None
        res = read_results(results)
        for l in res:
            kind_, _, rest = l.partition(" ")
            natlib.result(kind_ if kind_ in natlib.KINDS else "FAIL", rest)
        suite.failed += sum(not l.startswith(("PASS ", "SKIP ", "CANNOT ")) for l in res)
        new = [(f, t) for f, t in san.reports() if f not in before]
        print("# protocol tests under %s: %d results, %d process(es) with reports"
              % (label, len(res), len(new)))
        if rc is None:
            raise AssertionError("the protocol suite hung: cut after %d s; last output %r" % (
                PROTOCOL_TIMEOUT, out[-300:]))
        if not res:
            raise AssertionError("the protocol suite ran no test: %s" % out[-300:])
        if rc != 0 and all(l.startswith(("PASS ", "SKIP ", "CANNOT ")) for l in res):
            raise AssertionError("the protocol suite exited %d without a failure: %s" % (rc, out[-300:]))
        if new:
            raise AssertionError("sanitizer reports in %d of the protocol tests' servers: %s" % (
                len(new), "; ".join(distinct_summaries(new))))

    suite.run("protocol-sanitizer-reports", protocol_suite)
    return 1 if suite.failed else 0
