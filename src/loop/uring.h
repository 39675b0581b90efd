/* One io_uring per worker, for one thing: the output of many connections
 * sent with one system call instead of one writev each. Every send is
 * synchronous to the caller: uring_sendmsgs returns with every result in
 * hand, so the messages and their iovecs may live on the caller's stack.
 * Where io_uring is missing or refused (qemu-user, kernels before 5.12,
 * sandboxes) uring_open fails and the worker writes with writev. */
#ifndef NATTER_URING_H
#define NATTER_URING_H
#include <sys/socket.h>
#include "core/limits.h"

#define URING_ENTRIES SEND_BATCH        /* sends per io_uring_enter */

struct uring {
	int fd;                 /* -1: no ring, write with writev */
	unsigned call;          /* uring_sendmsgs calls, to tell their completions apart */
	unsigned *sq_head, *sq_tail, *sq_array, sq_mask;
	unsigned *cq_head, *cq_tail, cq_mask;
	struct uring_sqe *sqes;
	struct uring_cqe *cqes;
};

/* 0, or -1 with errno (u->fd is -1 then). */
int uring_open(struct uring *u);
/* Sends msg[i] on fd[i] (MSG_DONTWAIT) for each i < n <= URING_ENTRIES;
 * res[i] is what sendmsg would return: bytes, or -errno (-EAGAIN when
 * the socket is full). */
void uring_sendmsgs(struct uring *u, unsigned n, const int *fd, struct msghdr *msg, int *res);
#endif
