# Hardening builds of natterd for tests/suites/71-73: host, glibc, debug
# info, from the same sources and table defines as the release builds.
#   build/asan/natterd      -fsanitize=address,undefined (any report aborts)
#   build/tsan/natterd      -fsanitize=thread
#   build/memcheck/natterd  plain -O1 -g, for valgrind memcheck
#   build/asan/unit         the unit tests (tests/unit) under ASan+UBSan
# Each directory gets an empty `emulator` file, so natlib.Server("asan")
# and friends run them like any other target.
HARD_CC     ?= gcc
HARD_SRCS   := $(NATTERD_SRCS)
HARD_DEPS   := $(HARD_SRCS) $(SERVER_HDRS) tests/hardening/hardening.mk
HARD_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Isrc -g -O1 -fno-omit-frame-pointer \
	-DNATTER_VERSION='"$(VERSION)"' -DMAX_CONNS=$(MAX_CONNS) \
	-DMAX_ROOMS=$(MAX_ROOMS) -DMAX_MSGS=$(MAX_MSGS) -DNATTER_CHECKS
HARD_ASAN   := -fsanitize=address,undefined -fno-sanitize-recover=all
HARD_TSAN   := -fsanitize=thread
HARD_UNIT_SRCS = $(UNIT_SRCS)      # tests/test.mk: the same list, sanitized

.PHONY: hardening-builds
hardening-builds: build/asan/natterd build/tsan/natterd build/memcheck/natterd \
	build/asan/unit
test-builds:: hardening-builds

# $(call hard_link,FLAGS,SOURCES): one compiler run for the whole program.
define hard_link
	@mkdir -p $(@D)
	@: > $(@D)/emulator
	@$(if $(Q),echo '  LD      $@')
	$(Q)$(HARD_CC) $(HARD_CFLAGS) $(1) -pthread $(2) -o $@
endef

build/asan/natterd: $(HARD_DEPS)
	$(call hard_link,$(HARD_ASAN),$(HARD_SRCS))

build/tsan/natterd: $(HARD_DEPS)
	$(call hard_link,$(HARD_TSAN),$(HARD_SRCS))

build/memcheck/natterd: $(HARD_DEPS)
	$(call hard_link,,$(HARD_SRCS))

build/asan/unit: $(HARD_UNIT_SRCS) $(wildcard tests/unit/*.h) $(SERVER_HDRS) tests/hardening/hardening.mk
	$(call hard_link,$(HARD_ASAN),$(HARD_UNIT_SRCS))
