# Test builds (host, static musl): the unit tests of the pure code, and
# natterd with an allocator that aborts on any heap use after start-up.
TEST_BUILD := build/test
UNIT_SRCS  := $(wildcard tests/unit/*.c) $(PURE_SRCS) src/core/history.c src/core/pool.c \
              src/loop/uring.c
HOST_TEST_CFLAGS := -Os -std=c11 -D_GNU_SOURCE $(WARN) -Isrc -DNATTER_VERSION='"$(VERSION)"' \
	-DMAX_CONNS=$(MAX_CONNS) -DMAX_ROOMS=$(MAX_ROOMS) -DMAX_MSGS=$(MAX_MSGS) \
	-DNATTER_CHECKS

test-builds:: $(TEST_BUILD)/unit $(TEST_BUILD)/natterd-mallocwrap

$(TEST_BUILD)/unit: $(UNIT_SRCS) $(wildcard tests/unit/*.h) $(SERVER_HDRS)
	@mkdir -p $(@D)
	@$(if $(Q),echo '  LD      $@')
	$(Q)musl-gcc $(HOST_TEST_CFLAGS) -static $(UNIT_SRCS) -o $@

$(TEST_BUILD)/natterd-mallocwrap: $(NATTERD_SRCS) $(SERVER_HDRS) tests/mallocwrap.c
	@mkdir -p $(@D)
	@$(if $(Q),echo '  LD      $@')
	$(Q)musl-gcc $(HOST_TEST_CFLAGS) -static -pthread tests/mallocwrap.c \
		$(filter src/%.c,$^) -o $@

# natterd with small pools: a message pool of 300 lines, to run it dry in a
# test, and 4 KiB of copy bytes a batch (loop/flush.c), so a test uses them
# up and the lines after go as they are.
test-builds:: $(TEST_BUILD)/natterd-smallpool
$(TEST_BUILD)/natterd-smallpool: $(NATTERD_SRCS) $(SERVER_HDRS)
	@mkdir -p $(@D)
	@$(if $(Q),echo '  LD      $@')
	$(Q)musl-gcc $(filter-out -DMAX_MSGS=%,$(HOST_TEST_CFLAGS)) -DMAX_MSGS=300 \
		-DSEND_COPY_BYTES=4096 -static -pthread \
		$(filter src/%.c,$^) -o $@

# natterd with the invariant sweep of loop/life_check.c (NATTER_CHECKS), as the
# release build otherwise: for tests/test_life.py.
test-builds:: $(TEST_BUILD)/natterd-checks
$(TEST_BUILD)/natterd-checks: $(NATTERD_SRCS) $(SERVER_HDRS)
	@mkdir -p $(@D)
	@$(if $(Q),echo '  LD      $@')
	$(Q)musl-gcc $(HOST_TEST_CFLAGS) -static -pthread $(filter src/%.c,$^) -o $@
