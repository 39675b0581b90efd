# natter: natterd (server) and natter (client), static builds for the boards.
#
#   make                      host build into build/host/
#   make TARGET=armhf         cross build (armhf, armel, aarch64, host)
#   make BOARD=rpi4           board profile from board/rpi4.mk (sets TARGET)
#   make CROSS_COMPILE=arm-linux-gnueabihf-   use another toolchain prefix
#   make V=1                  show the commands
#   make run                  install what is missing, build, run natterd
#   make test                 install what is missing, build all, run tests
#   make test SUITES=PATTERN  only the suites whose names contain PATTERN
#   make check-fresh          make test on a fresh Debian 12 root (tests/fresh/)
#   make size                 size of every static build, checked against budgets
#   make install DESTDIR= PREFIX=/usr/local
#
# The table sizes come from the board profile; any of MAX_CONNS, MAX_ROOMS,
# MAX_MSGS, HISTORY_MAX can also be given on the command line.

VERSION := 1.0.0
PREFIX  ?= /usr/local
DESTDIR ?=

ifneq ($(BOARD),)
  ifeq ($(wildcard board/$(BOARD).mk),)
    $(error unknown BOARD '$(BOARD)'; profiles: $(basename $(notdir $(wildcard board/*.mk))))
  endif
  include board/$(BOARD).mk
endif
TARGET ?= host
ifeq ($(wildcard toolchain/$(TARGET).mk),)
  $(error unknown TARGET '$(TARGET)'; targets: $(basename $(notdir $(wildcard toolchain/*.mk))))
endif
include toolchain/$(TARGET).mk

# Defaults for a TARGET built without a board profile.
MAX_CONNS ?= 16384
MAX_ROOMS ?= 256
MAX_MSGS  ?= 16384
HISTORY_MAX ?= 100

ifeq ($(V),1)
  Q :=
else
  Q := @
endif

ifneq ($(CROSS_COMPILE),)
  CC := $(CROSS_COMPILE)gcc
  STRIP := $(CROSS_COMPILE)strip
  SIZE := $(CROSS_COMPILE)size
else
  CC := $(CC_DEFAULT)
  STRIP := strip
  SIZE := size
endif
ifneq ($(MUSL_SPECS),)
  SPECS := -specs $(MUSL_SPECS)
endif

BUILD  := build/$(TARGET)
WARN   := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CFLAGS ?= -Os
CFLAGS += $(SPECS) $(ARCH_CFLAGS) $(CPU_CFLAGS) $(WARN) -std=c11 -D_GNU_SOURCE \
          -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
          -DNATTER_VERSION='"$(VERSION)"' -DMAX_CONNS=$(MAX_CONNS) \
          -DMAX_ROOMS=$(MAX_ROOMS) -DMAX_MSGS=$(MAX_MSGS) -DHISTORY_MAX=$(HISTORY_MAX) -Isrc
LDFLAGS ?=
LDFLAGS += $(SPECS) $(ARCH_LDFLAGS) -static -no-pie -Wl,--gc-sections -pthread
# -fno-pie with a static link: the binaries are then not position-
# independent (ELF type EXEC, as they always were), but Debian's gcc
# compiles PIE code by default, every global reached through the GOT: 4.4
# KiB of the armhf natterd (2026-12-05), and an extra load per access. A
# dynamic link (Buildroot without BR2_STATIC_LIBS, whose compiler wrapper
# may add -pie) keeps the compiler's default.
ifneq ($(filter -static,$(LDFLAGS)),)
  CFLAGS += -fno-pie
endif

# The server's layout (docs/design.md): core/ (table, rooms, pool, delivery,
# chat), loop/ (listeners, workers, a connection's life), door/ (wire
# protocols), util/ (settings, logging, small helpers), main.c.
SERVER_DIRS  := core loop door util
NATTERD_SRCS := $(foreach d,$(SERVER_DIRS),$(wildcard src/$(d)/*.c)) src/main.c
SERVER_HDRS  := $(foreach d,$(SERVER_DIRS),$(wildcard src/$(d)/*.h)) src/door/web/page_gz.h
# The pure code (bytes in, actions out): unit tested and fuzzed alone.
PURE_SRCS    := src/util/text.c src/door/frame.c src/door/proto.c \
                src/door/http.c src/door/ws.c src/door/metrics.c src/util/sha1.c src/util/base64.c \
                src/util/inflate.c src/door/irc_parse.c src/door/irc_render.c src/util/sort.c
NATTER_SRCS  := $(wildcard src/client/*.c)
NATTERD_OBJS := $(NATTERD_SRCS:src/%.c=$(BUILD)/obj/%.o)
NATTER_OBJS  := $(NATTER_SRCS:src/%.c=$(BUILD)/obj/%.o)

.PHONY: all natterd natter clean install run test size deps all-targets
all: natterd natter

natterd: $(BUILD)/natterd
natter: $(BUILD)/natter

# Objects are rebuilt when the flags change (another BOARD into the same dir).
$(BUILD)/flags: FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(CFLAGS) $(LDFLAGS)' > $@
	@echo '$(EMULATOR)' | cmp -s - $(BUILD)/emulator || echo '$(EMULATOR)' > $(BUILD)/emulator
FORCE:

$(BUILD)/obj/%.o: src/%.c $(BUILD)/flags
	@mkdir -p $(@D)
	@$(if $(Q),echo '  CC      $@')
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# Both files are laid out without RELRO's page of padding before their
# data: a static (non-PIE) musl binary never applies RELRO (only the
# dynamic loader does), and the padding alone cost the armhf natter 1.7 KiB
# of its budget. The segments stay congruent modulo the page size, as the
# kernel needs.
STATIC_LDFLAGS := -Wl,-z,norelro -Wl,-z,common-page-size=64

$(BUILD)/natterd: $(NATTERD_OBJS) $(BUILD)/flags
	@$(if $(Q),echo '  LD      $@')
	$(Q)$(CC) $(LDFLAGS) $(STATIC_LDFLAGS) $(filter %.o,$^) -o $@.unstripped
	$(Q)$(STRIP) -s -R .comment -o $@ $@.unstripped


$(BUILD)/natter: $(NATTER_OBJS) $(BUILD)/flags
	@$(if $(Q),echo '  LD      $@')
	$(Q)$(CC) $(LDFLAGS) $(STATIC_LDFLAGS) $(filter %.o,$^) -o $@.unstripped
	$(Q)$(STRIP) -s -R .comment -o $@ $@.unstripped

-include $(NATTERD_OBJS:.o=.d) $(NATTER_OBJS:.o=.d)

ALL_TARGETS := host armhf armel aarch64

# Size budgets for the armhf release build (bytes, stripped file size).
BUDGET_natterd := 99328   # 97 KiB: the line, web and IRC doors (issue 11); +1 KiB
                          # for IRC conformance (WHO masks, +i, OPER, --irc-ping:
                          # ~1.2 KB) and the EMFILE reserve descriptor (~0.2 KB)
BUDGET_natter  := 49152

all-targets:
	$(Q)for t in $(ALL_TARGETS); do $(MAKE) --no-print-directory TARGET=$$t all || exit 1; done

size: all-targets
	@fail=0; for t in $(ALL_TARGETS); do for b in natterd natter; do \
	  f=build/$$t/$$b; [ -f $$f ] || continue; \
	  printf '%-8s %-8s %7d bytes  ' $$t $$b $$(stat -c %s $$f); \
	  $(MAKE) --no-print-directory -s TARGET=$$t print-size BIN=$$b; done; done; \
	for b in natterd natter; do f=build/armhf/$$b; [ -f $$f ] || continue; \
	  s=$$(stat -c %s $$f); lim=$$( [ $$b = natterd ] && echo $(BUDGET_natterd) || echo $(BUDGET_natter)); \
	  if [ $$s -gt $$lim ]; then echo "size: armhf $$b is $$s bytes, over its budget of $$lim"; fail=1; \
	  else echo "size: armhf $$b $$s bytes, budget $$lim: ok"; fi; done; exit $$fail

print-size:
	@$(SIZE) $(BUILD)/$(BIN) | tail -n 1 | awk '{printf "text %s data %s bss %s\n", $$1, $$2, $$3}'

deps:
	$(Q)bash toolchain/install-deps.sh $(ALL_TARGETS)

# Start natterd in the foreground on port 8080 (Ctrl-C stops it).
run:
	$(Q)bash toolchain/install-deps.sh host
	$(Q)$(MAKE) --no-print-directory TARGET=host natterd natter
	exec ./build/host/natterd $(RUN_ARGS)

test:
	$(Q)bash toolchain/install-deps.sh $(ALL_TARGETS)
	$(Q)$(MAKE) --no-print-directory all-targets
	$(Q)$(MAKE) --no-print-directory test-builds
	$(Q)bash tests/run-suites $(SUITES)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/natterd $(BUILD)/natter $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man7 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 docs/man/natter.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 docs/man/natter-protocol.7 $(DESTDIR)$(PREFIX)/share/man/man7/
	install -m 0644 docs/man/natterd.8 $(DESTDIR)$(PREFIX)/share/man/man8/

clean:
	rm -rf build

# Fragments of other parts of the tree (client, tests, bench, deploy) add
# their own targets; each defines test-builds prerequisites as it needs.
test-builds::
-include $(wildcard tests/*.mk tests/*/*.mk deploy/*.mk src/*/*.mk docs/*.mk)
