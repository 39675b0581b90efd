# Raspberry Pi Zero / Zero W and Pi 1: BCM2835, ARM1176JZF-S (ARMv6), 512 MiB.
TARGET     := armel
CPU_CFLAGS := -mtune=arm1176jzf-s
MAX_CONNS  := 1024
MAX_ROOMS  := 64
MAX_MSGS   := 2048
HISTORY_MAX := 50
