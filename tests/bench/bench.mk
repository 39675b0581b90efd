# natter's benchmark (issue 5): natterd against ncat --chat and ngIRCd.
#
#   make bench                full run (3 repetitions, a few minutes)
#   make bench BENCH_QUICK=1  one short repetition (about a minute)
#
# The load generator is a host program whatever TARGET says: it is built
# with the host gcc into build/bench/. The runner installs the peers (ncat,
# ngircd) and valgrind if they are missing, and needs the host and armhf
# builds of natterd (armhf runs under qemu-arm).
BENCH_DIR := build/bench
LOADGEN   := $(BENCH_DIR)/loadgen
BENCH_CC  ?= gcc

.PHONY: bench bench-loadgen
bench-loadgen: $(LOADGEN)

$(LOADGEN): tests/bench/loadgen.c tests/bench/bench.mk
	@mkdir -p $(@D)
	@$(if $(Q),echo '  HOSTCC  $@')
	$(Q)$(BENCH_CC) -O2 -Wall -Wextra -Werror -std=c11 -D_GNU_SOURCE -o $@ tests/bench/loadgen.c

bench:
	$(Q)bash toolchain/install-deps.sh host armhf --pkg ncat ngircd valgrind
	$(Q)$(MAKE) --no-print-directory all-targets
	$(Q)$(MAKE) --no-print-directory $(LOADGEN)
	$(Q)BENCH_QUICK=$(BENCH_QUICK) python3 tests/bench/run-bench

test-builds:: $(LOADGEN)
