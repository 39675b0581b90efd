/* Sends through io_uring (loop/uring.h). Why: on a machine where a system
 * call is dear, one writev per client is most of a fan-out's cost. On the
 * 2-CPU virtual machine this project is measured on (a system call costs
 * about 1 us there), a line to each of 100 clients took 3.1 us per client
 * with writev and 1.3 us as 100 sends in one io_uring_enter (docs/
 * benchmark.md, "Sends in one system call").
 *
 * Only sends, each with MSG_DONTWAIT: the kernel then tries each one at
 * once and completes it within io_uring_enter, a full socket with -EAGAIN
 * as writev would, instead of waiting for room (since 5.12 at least). The
 * wait for the completions still has a deadline: a send the kernel kept
 * anyway is cancelled, so none outlives the call.
 *
 * The ABI below is the kernel's (include/uapi/linux/io_uring.h): musl's
 * headers do not carry it. Only what is used here is named. */
#include "loop/uring.h"
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_io_uring_setup      /* the same numbers on every architecture */
#define SYS_io_uring_setup 425
#define SYS_io_uring_enter 426
#endif

struct uring_sqe {
	uint8_t opcode, flags;
	uint16_t ioprio;
	int32_t fd;
	uint64_t off, addr;
	uint32_t len, msg_flags;
	uint64_t user_data;
	uint64_t pad[3];
};

struct uring_cqe {
	uint64_t user_data;
	int32_t res;
	uint32_t flags;
};

struct ring_offsets {   /* io_sqring_offsets and io_cqring_offsets alike */
	uint32_t head, tail, ring_mask, ring_entries, flags_or_overflow, dropped_or_cqes;
	uint32_t array_or_flags, resv;
	uint64_t user_addr;
};

struct uring_params {
	uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd;
	uint32_t resv[3];
	struct ring_offsets sq_off, cq_off;
};

struct getevents_arg {
	uint64_t sigmask;
	uint32_t sigmask_sz, pad;
	uint64_t ts;
};

struct kernel_timespec {
	int64_t tv_sec;
	long long tv_nsec;
};

_Static_assert(sizeof(struct uring_sqe) == 64 && sizeof(struct uring_cqe) == 16 &&
	       sizeof(struct uring_params) == 120, "io_uring ABI");

#define OP_SENDMSG 9
#define OP_ASYNC_CANCEL 14
#define ENTER_GETEVENTS 1u
#define ENTER_EXT_ARG 8u
#define FEAT_SINGLE_MMAP 1u
#define FEAT_NATIVE_WORKERS (1u << 9)   /* stands for "5.12 or later" */
#define OFF_SQES 0x10000000L
#define CANCEL_TAG (1u << 31)   /* user_data: call << 32 | CANCEL_TAG? | index */
#define SEND_DEADLINE_NS (SEND_WAIT_MS * 1000000LL)

int uring_open(struct uring *u)
{
	struct uring_params p;
	memset(&p, 0, sizeof p);
	u->fd = (int)syscall(SYS_io_uring_setup, URING_ENTRIES, &p);
	if (u->fd < 0)
		return -1;
	if ((p.features & (FEAT_SINGLE_MMAP | FEAT_NATIVE_WORKERS)) !=
	    (FEAT_SINGLE_MMAP | FEAT_NATIVE_WORKERS)) {
		close(u->fd);
		u->fd = -1;
		errno = ENOSYS;
		return -1;
	}
	/* One mapping holds both rings (FEAT_SINGLE_MMAP), another the SQEs. */
	size_t sq_len = p.sq_off.array_or_flags + p.sq_entries * sizeof(unsigned);
	size_t cq_len = p.cq_off.dropped_or_cqes + p.cq_entries * sizeof(struct uring_cqe);
	size_t ring_len = sq_len > cq_len ? sq_len : cq_len;
	char *ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd, 0);
	void *sqes = mmap(NULL, p.sq_entries * sizeof(struct uring_sqe), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, u->fd, OFF_SQES);
	if (ring == MAP_FAILED || sqes == MAP_FAILED) {
		int e = errno;
		close(u->fd);   /* the mappings, if any, stay unused */
		u->fd = -1;
		errno = e;
		return -1;
	}
	u->sq_head = (unsigned *)(ring + p.sq_off.head);
	u->sq_tail = (unsigned *)(ring + p.sq_off.tail);
	u->sq_array = (unsigned *)(ring + p.sq_off.array_or_flags);
	u->sq_mask = *(unsigned *)(ring + p.sq_off.ring_mask);
	u->cq_head = (unsigned *)(ring + p.cq_off.head);
	u->cq_tail = (unsigned *)(ring + p.cq_off.tail);
	u->cq_mask = *(unsigned *)(ring + p.cq_off.ring_mask);
	u->cqes = (struct uring_cqe *)(ring + p.cq_off.dropped_or_cqes);
	u->sqes = sqes;
	return 0;
}

static void queue_sqe(struct uring *u, uint8_t op, int fd, uint64_t addr, uint64_t tag, uint32_t flags)
{
	unsigned tail = *u->sq_tail, i = tail & u->sq_mask;
	struct uring_sqe *s = &u->sqes[i];

	memset(s, 0, sizeof *s);
	s->opcode = op;
	s->fd = fd;
	s->addr = addr;
	s->len = op == OP_SENDMSG;      /* one msghdr; a cancel wants 0 (5.x) */
	s->msg_flags = flags;
	s->user_data = tag;
	u->sq_array[i] = i;
	/* The kernel reads the entry after it sees the new tail. */
	__atomic_store_n(u->sq_tail, tail + 1, __ATOMIC_RELEASE);
}

/* Submits what is queued and waits for `want` completions or the
 * deadline; returns the completions taken. */
static unsigned enter(struct uring *u, unsigned want, int64_t ns, int *res)
{
	struct kernel_timespec ts = { ns / 1000000000, ns % 1000000000 };
	struct getevents_arg arg = { 0, 0, 0, (uintptr_t)&ts };
	unsigned got = 0;

	for (;;) {
		unsigned submit = *u->sq_tail - __atomic_load_n(u->sq_head, __ATOMIC_ACQUIRE);
		long r = syscall(SYS_io_uring_enter, u->fd, submit, want - got,
				 ENTER_GETEVENTS | ENTER_EXT_ARG, &arg, sizeof arg);
		unsigned head = *u->cq_head, tail = __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE);
		for (; head != tail; head++) {
			struct uring_cqe *c = &u->cqes[head & u->cq_mask];
			/* a late completion of an earlier call is not one of these */
			if ((uint32_t)(c->user_data >> 32) == u->call && !(c->user_data & CANCEL_TAG))
				res[(uint32_t)c->user_data] = c->res, got++;
		}
		__atomic_store_n(u->cq_head, head, __ATOMIC_RELEASE);
		if (got >= want || (r < 0 && errno != EINTR))
			return got;
	}
}

/* Entries the kernel did not take (io_uring_enter failed): taken back out
 * of the ring, and the sends among them made with sendmsg. */
static unsigned take_back(struct uring *u, struct msghdr *msg, int *res)
{
	unsigned head = __atomic_load_n(u->sq_head, __ATOMIC_ACQUIRE), sent = 0;

	for (unsigned t = head; t != *u->sq_tail; t++) {
		struct uring_sqe *s = &u->sqes[t & u->sq_mask];
		if (s->opcode != OP_SENDMSG)
			continue;
		uint32_t i = (uint32_t)s->user_data;
		ssize_t r = sendmsg(s->fd, &msg[i], MSG_DONTWAIT | MSG_NOSIGNAL);
		res[i] = r < 0 ? -errno : (int)r;
		sent++;
	}
	*u->sq_tail = head;
	return sent;
}

void uring_sendmsgs(struct uring *u, unsigned n, const int *fd, struct msghdr *msg, int *res)
{
	uint64_t call = (uint64_t)++u->call << 32;

	for (unsigned i = 0; i < n; i++) {
		res[i] = INT32_MIN;     /* not yet completed */
		queue_sqe(u, OP_SENDMSG, fd[i], (uintptr_t)&msg[i], call | i, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	unsigned got = enter(u, n, SEND_DEADLINE_NS, res);
	if (got == n)
		return;
	got += take_back(u, msg, res);
	if (got == n)
		return;
	/* The kernel kept some sends (it should not): cancel them, then take
	 * every completion, since their messages are on the caller's stack. */
	for (unsigned i = 0; i < n; i++)
		if (res[i] == INT32_MIN)
			queue_sqe(u, OP_ASYNC_CANCEL, -1, call | i, call | CANCEL_TAG | i, 0);
	got += enter(u, n - got, SEND_DEADLINE_NS * 20, res);
	take_back(u, msg, res);
	for (unsigned i = 0; i < n; i++)
		if (res[i] == INT32_MIN)
			res[i] = -EIO;  /* a cancelled send completes; see above */
}
