# The mDNS message code's unit tests and fuzz harness (tests/suites/53-mdns).
test-builds:: build/test/dnsmsg-unit

build/test/dnsmsg-unit: tests/mdns/test_dnsmsg.c src/client/dnsmsg.c src/client/dnsmsg.h tests/unit/check.h
	@mkdir -p $(@D)
	@$(if $(Q),echo '  LD      $@')
	$(Q)musl-gcc -Os -std=c11 -D_GNU_SOURCE $(WARN) -Isrc -static tests/mdns/test_dnsmsg.c src/client/dnsmsg.c -o $@

build/fuzz/fuzz_dnsmsg: tests/mdns/fuzz_dnsmsg.c src/client/dnsmsg.c src/client/dnsmsg.h | build/fuzz/.deps
	@$(if $(Q),echo '  FUZZ    $@')
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) tests/mdns/fuzz_dnsmsg.c src/client/dnsmsg.c -o $@
