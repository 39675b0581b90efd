#!/usr/bin/env python3
"""Runs tests/test_protocol.py against another build directory (asan, tsan,
memcheck, ...): tests/hardening/run_protocol.py TARGET [test_protocol args].

test_protocol.py takes --target from a fixed list of board targets; this
wrapper lifts that list, so the same tests run unchanged against
build/TARGET/natterd (with the timeouts it gives non-host targets)."""
import argparse, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

_add = argparse.ArgumentParser.add_argument


def add_argument(self, *names, **kw):
    if "--target" in names:
        kw.pop("choices", None)
    return _add(self, *names, **kw)


argparse.ArgumentParser.add_argument = add_argument
import test_protocol                                # noqa: E402

target = sys.argv[1]
sys.argv = [sys.argv[0], "--target", target] + sys.argv[2:]
sys.exit(test_protocol.main())
