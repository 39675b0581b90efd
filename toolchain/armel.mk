# armel: ARMv6 soft-float for Pi 1 / Pi Zero (BCM2835, ARM1176). Debian's
# armhf code uses ARMv7 instructions and dies with SIGILL there, so this
# target builds ARMv6 code against musl-dev:armel, and tests run it under
# qemu's arm1176 model: the default qemu-arm CPU would accept ARMv7 code.
CROSS_COMPILE ?= arm-linux-gnueabi-
MUSL_SPECS   := /usr/lib/arm-linux-musleabi/musl-gcc.specs
ARCH_CFLAGS  := -march=armv6 -marm -mfloat-abi=soft
EMULATOR     := qemu-arm -cpu arm1176
APT_PACKAGES := gcc-arm-linux-gnueabi musl-dev:armel qemu-user
APT_ARCH     := armel
