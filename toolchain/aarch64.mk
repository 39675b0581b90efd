# aarch64: 64-bit Raspberry Pi OS on Pi 3/4/5.
CROSS_COMPILE ?= aarch64-linux-gnu-
MUSL_SPECS   := /usr/lib/aarch64-linux-musl/musl-gcc.specs
ARCH_CFLAGS  :=
EMULATOR     := qemu-aarch64
APT_PACKAGES := gcc-aarch64-linux-gnu musl-dev:arm64 qemu-user
APT_ARCH     := arm64
# Pi 5 kernels use 16 KiB pages; the default 64 KiB alignment only pads the file.
ARCH_LDFLAGS := -Wl,-z,max-page-size=16384
