# Results for tests/run-suites, for suites written in bash:
#   . "$(dirname "$0")/../lib.sh"        (from tests/suites/NN-name)
#
#   pass NAME [NOTE]       the test passed (NOTE: a figure, a time)
#   fail NAME WHY          the test failed
#   skip NAME WHY          not run, though this machine could run it (a tool
#                          that could be installed, qemu, root, the flash
#                          image): a FAILURE when CI=true
#   skip_cannot NAME WHY   not run because this machine truly cannot (no IPv6
#                          in the kernel, ...): a skip even when CI=true
#   finish                 exit 1 if any fail was recorded, else 0
#   with_results CMD...    run a child test program (a natlib suite) that
#                          records its own results in the same file
#
# The runner gives each suite a results file in NATTER_RESULTS and counts
# only the lines written there, one per result:
#   PASS name[: note]   FAIL name: why   SKIP name: why   CANNOT name: why
# so nothing a suite or its child programs print on stdout is ever counted.
# Each result is also printed on stdout for the log. With NATTER_RESULTS
# unset (a suite run by hand) the lines go to stdout only.
# Build steps and repeated checks of the same thing are not results: report
# a failed build as a fail of the tests it prevents, say nothing when it works.
# tests/natlib.py (result(), Suite, Skip, Cannot) writes the same format.

_natter_results=${NATTER_RESULTS:-}
unset NATTER_RESULTS          # child programs never write to it by accident
_natter_failed=0

_result() {   # KIND NAME [WHY]
  local line="$1 $2"
  [ -n "${3:-}" ] && line="$line: $(printf '%s' "$3" | tr '\n\r' '  ')"
  [ -n "$_natter_results" ] && printf '%s\n' "$line" >>"$_natter_results"
  printf '%s\n' "$line"
}
pass() { _result PASS "$1" "${2:-}"; }
fail() { _natter_failed=$((_natter_failed + 1)); _result FAIL "$1" "${2:-failed}"; }
skip() { _result SKIP "$1" "${2:-skipped}"; }
skip_cannot() { _result CANNOT "$1" "${2:-cannot run here}"; }
with_results() { NATTER_RESULTS=$_natter_results "$@"; }
finish() { [ "$_natter_failed" = 0 ] && exit 0; exit 1; }
