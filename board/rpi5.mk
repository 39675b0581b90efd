# Raspberry Pi 5 on 64-bit Raspberry Pi OS: Cortex-A76, 2-16 GiB.
TARGET     := aarch64
CPU_CFLAGS := -mcpu=cortex-a76
MAX_CONNS  := 16384
MAX_ROOMS  := 256
MAX_MSGS   := 16384
HISTORY_MAX := 100
