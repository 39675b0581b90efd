# The machine you build on: development, tests and benchmarks.
TARGET     := host
CPU_CFLAGS :=
MAX_CONNS  := 16384
MAX_ROOMS  := 256
MAX_MSGS   := 16384
HISTORY_MAX := 100
