# make check-fresh [SUITES="PATTERN..."]: `make test` on a fresh Debian 12
# root made from Debian's packages, with a clone of the committed HEAD
# (tests/fresh/check-fresh; needs root). Not part of `make test`.
.PHONY: check-fresh
check-fresh:
	$(Q)SUITES='$(SUITES)' bash tests/fresh/check-fresh
