# libFuzzer harnesses for the pure protocol code (tests/fuzz/*.c), built
# with clang -fsanitize=fuzzer,address,undefined.
#   make fuzz                  fuzz for FUZZ_SECONDS (default 300) in all:
#                              3/5 on fuzz_proto, 1/5 on the web door's
#                              parsers (fuzz_http, fuzz_ws), 1/5 on fuzz_allow
#   make fuzz FUZZ_SECONDS=3600
#   make fuzz-build            only build them
# New inputs found go to build/fuzz/corpus-*/ (kept between runs; the seeds
# in tests/fuzz/corpus/ are read, never written); a crash is saved as
# build/fuzz/artifacts/crash-* and `build/fuzz/fuzz_proto FILE` replays it.
FUZZ_SECONDS ?= 300
FUZZ_CC      ?= clang
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Werror -Isrc -DNATTER_VERSION='"$(VERSION)"' \
	-DMAX_CONNS=$(MAX_CONNS) -DMAX_ROOMS=$(MAX_ROOMS) -DMAX_MSGS=$(MAX_MSGS)
FUZZ_PROTO_SRCS := tests/fuzz/fuzz_proto.c $(PURE_SRCS)
FUZZ_ALLOW_SRCS := tests/fuzz/fuzz_allow.c src/util/allow.c
FUZZ_HTTP_SRCS  := tests/fuzz/fuzz_http.c src/door/http.c src/util/text.c
FUZZ_WS_SRCS    := tests/fuzz/fuzz_ws.c src/door/ws.c src/util/sha1.c src/util/base64.c

.PHONY: fuzz fuzz-build
# Not a test-builds prerequisite: tests/suites/70-fuzz builds them itself,
# so a missing clang fails that suite, not the whole of `make test`.
fuzz-build: build/fuzz/fuzz_proto build/fuzz/fuzz_allow build/fuzz/fuzz_http build/fuzz/fuzz_ws

# clang and its runtime (libFuzzer is in libclang-rt-14-dev on Debian 12).
build/fuzz/.deps:
	$(Q)bash toolchain/install-deps.sh --pkg clang libclang-rt-14-dev
	@mkdir -p $(@D) && touch $@

build/fuzz/fuzz_proto: $(FUZZ_PROTO_SRCS) $(SERVER_HDRS) tests/fuzz/fuzz.mk | build/fuzz/.deps
	@$(if $(Q),echo '  FUZZ    $@')
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_PROTO_SRCS) -o $@

build/fuzz/fuzz_allow: $(FUZZ_ALLOW_SRCS) $(SERVER_HDRS) tests/fuzz/fuzz.mk | build/fuzz/.deps
	@$(if $(Q),echo '  FUZZ    $@')
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_ALLOW_SRCS) -o $@

# The test of the test: fuzz_allow over an allow.c that takes anything after
# the digits of BITS ("10.0.0.0/8junk"); tests/suites/70-fuzz requires the
# seeds alone to catch it. Made from src/util/allow.c by sed, never in src/.
build/fuzz/allow_mutant.c: src/util/allow.c
	@mkdir -p $(@D)
	$(Q)sed 's/ || \*end || / || /' $< >$@
	$(Q)! cmp -s $< $@ || { echo "allow_mutant: the sed no longer changes allow.c" >&2; rm -f $@; exit 1; }

build/fuzz/fuzz_allow_mutant: tests/fuzz/fuzz_allow.c build/fuzz/allow_mutant.c $(SERVER_HDRS) | build/fuzz/.deps
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) tests/fuzz/fuzz_allow.c build/fuzz/allow_mutant.c -o $@

build/fuzz/fuzz_http: $(FUZZ_HTTP_SRCS) $(SERVER_HDRS) tests/fuzz/fuzz.mk | build/fuzz/.deps
	@$(if $(Q),echo '  FUZZ    $@')
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_HTTP_SRCS) -o $@

build/fuzz/fuzz_ws: $(FUZZ_WS_SRCS) $(SERVER_HDRS) tests/fuzz/fuzz.mk | build/fuzz/.deps
	@$(if $(Q),echo '  FUZZ    $@')
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_WS_SRCS) -o $@

fuzz: fuzz-build
	$(Q)bash tests/fuzz/run proto $$(( $(FUZZ_SECONDS) * 3 / 5 ))
	$(Q)bash tests/fuzz/run http $$(( $(FUZZ_SECONDS) / 10 ))
	$(Q)bash tests/fuzz/run ws $$(( $(FUZZ_SECONDS) / 10 ))
	$(Q)bash tests/fuzz/run allow $$(( $(FUZZ_SECONDS) - $(FUZZ_SECONDS) * 3 / 5 - 2 * ($(FUZZ_SECONDS) / 10) ))
