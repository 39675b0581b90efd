# Raspberry Pi 3 / Zero 2 W on a 32-bit OS: Cortex-A53, 1 GiB (512 MiB Zero 2).
TARGET     := armhf
CPU_CFLAGS := -mcpu=cortex-a53 -mfpu=neon-fp-armv8
MAX_CONNS  := 1024
MAX_ROOMS  := 128
MAX_MSGS   := 4096
HISTORY_MAX := 100
