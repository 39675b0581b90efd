# armhf: ARMv7 hard-float, 32-bit Raspberry Pi OS on Pi 2/3/4/Zero 2.
# Debian's cross gcc plus musl-dev:armhf through its gcc specs file.
CROSS_COMPILE ?= arm-linux-gnueabihf-
MUSL_SPECS   := /usr/lib/arm-linux-musleabihf/musl-gcc.specs
ARCH_CFLAGS  := -mthumb -mfloat-abi=hard
EMULATOR     := qemu-arm
APT_PACKAGES := gcc-arm-linux-gnueabihf musl-dev:armhf qemu-user
APT_ARCH     := armhf
