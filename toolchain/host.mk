# Host build: the native compiler with musl's wrapper, so the host binary is
# static like the board binaries. Falls back to cc when CROSS_COMPILE is set.
CC_DEFAULT   := musl-gcc
ARCH_CFLAGS  :=
EMULATOR     :=
APT_PACKAGES := musl-tools
