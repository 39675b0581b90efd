# Raspberry Pi 4 / 400 on a 32-bit OS: Cortex-A72, 1-8 GiB.
TARGET     := armhf
CPU_CFLAGS := -mcpu=cortex-a72 -mfpu=neon-fp-armv8
MAX_CONNS  := 1024
MAX_ROOMS  := 256
MAX_MSGS   := 8192
HISTORY_MAX := 100
