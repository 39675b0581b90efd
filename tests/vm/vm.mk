# tests/vm/vm.mk: the virtual Raspberry Pi (included by the Makefile).
#
#   make test-vm        build natterd for aarch64 and the host, build the VM
#                       image if it is not cached ($NATTER_CACHE/vm/), run suite 55-vm
#   make vm-image       only build (or find) the VM image
#   make vm-boot        boot a throwaway copy with the console on this
#                       terminal (ssh on 127.0.0.1:2222; Ctrl-A X quits)
# 'make test' runs 55-vm with every other suite (tests/run-suites).
.PHONY: test-vm vm-image vm-boot

test-vm:
	$(Q)bash toolchain/install-deps.sh host aarch64
	$(Q)bash tests/run-suites 55-vm

vm-image:
	$(Q)tests/vm/vm build

vm-boot:
	$(Q)tests/vm/vm boot
