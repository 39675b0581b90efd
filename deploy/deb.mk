# deploy/deb.mk: Debian packages (included by the Makefile).
#
#   make deb                       build/deb/{natterd,natter}_VERSION_ARCH.deb
#                                  for armhf, arm64 and amd64
#   make deb DEB_VERSION=1.0.0-2   another package version
#   make deb DEB_ARCHES=arm64      only some
#
# armhf holds the armel build (ARMv6, soft float, static): Debian's armhf
# code is ARMv7 and dies with SIGILL on a Pi 1 or Zero, while an ARMv6
# static binary runs on every Pi that runs 32-bit Raspberry Pi OS.
DEB_VERSION ?= $(VERSION)
DEB_ARCHES  ?= armhf arm64 amd64
DEB_OUT     ?= build/deb

.PHONY: deb
deb:
	$(Q)for a in $(DEB_ARCHES); do \
	  case $$a in armhf) t=armel ;; arm64) t=aarch64 ;; amd64) t=host ;; \
	    *) echo "make deb: no build for Debian architecture $$a" >&2; exit 2 ;; esac; \
	  $(MAKE) --no-print-directory TARGET=$$t all || exit 1; \
	  deploy/deb/build-deb $$a $(DEB_VERSION) build/$$t $(DEB_OUT) || exit 1; \
	done
