# aarch64: 64-bit Raspberry Pi OS on Pi 3/4/5.
CROSS_COMPILE ?= aarch64-linux-gnu-
MUSL_SPECS   := /usr/lib/aarch64-linux-musl/musl-gcc.specs
ARCH_CFLAGS  :=
EMULATOR     := qemu-aarch64
APT_PACKAGES := gcc-aarch64-linux-gnu musl-dev:arm64 qemu-user
APT_ARCH     := arm64
