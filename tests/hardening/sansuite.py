"""The body of tests/suites/71-asan and 72-tsan: the unit tests (ASan
only), the hardening scenarios and (part of) tests/test_protocol.py, all
against build/KIND/natterd; any sanitizer report fails."""
import os, re, subprocess, sys

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


def main(kind, timeout_factor, scale, protocol):
    os.chdir(hlib.ROOT)
    label = {"asan": "ASan+UBSan", "tsan": "TSan"}[kind]
    suite = Suite(kind + "/")
    targets = ["build/%s/natterd" % kind] + (["build/asan/unit"] if kind == "asan" else [])

    def build():
        r = subprocess.run(["make", "--no-print-directory", "-s"] + targets,
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError("make failed: " + (r.stdout + r.stderr)[-500:])

    suite.run("build", build)
    if suite.failed:
        return 1
    san = hlib.Sanitized(kind)

    if kind == "asan":
        def unit():
            r = subprocess.run(["build/asan/unit"], capture_output=True, text=True,
                               env=san.env, timeout=120)
            fails = [l for l in r.stdout.splitlines() if l.startswith("FAIL")]
            reps = san.reports()
            if reps:
                raise AssertionError("; ".join(distinct_summaries(reps)))
            if r.returncode != 0 or fails:
                raise AssertionError("unit tests: exit %d, %s" % (r.returncode, fails[:3]))
            print("# %d unit tests clean under %s" % (r.stdout.count("PASS "), label))
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
        r = subprocess.run([sys.executable, "tests/hardening/run_protocol.py", kind] + protocol,
                           capture_output=True, text=True, env=san.env, timeout=900)
        out = r.stdout.splitlines()
        passed = sum(l.startswith("PASS ") for l in out)
        failed = [l for l in out if l.startswith("FAIL ")]
        new = [(f, t) for f, t in san.reports() if f not in before]
        print("# protocol tests under %s: %d passed, %d failed, %d process(es) with reports"
              % (label, passed, len(failed), len(new)))
        for l in failed:
            print("#   " + l[:240])
        if passed + len(failed) == 0:
            raise AssertionError("the protocol suite ran no test: %s" % (r.stdout + r.stderr)[-300:])
        if new:
            raise AssertionError("sanitizer reports in %d of the protocol tests' servers: %s" % (
                len(new), "; ".join(distinct_summaries(new))))
        # Functional failures are the protocol suite's own (it runs on the
        # host build too); they are listed above, not counted twice.

    suite.run("protocol-suite", protocol_suite)
    return 1 if suite.failed else 0
