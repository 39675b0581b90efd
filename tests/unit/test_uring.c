/* loop/uring.c alone, on socket pairs: a batch of sends in one call, each
 * result what sendmsg would give (bytes, -EAGAIN for a full socket, -EPIPE
 * for a closed peer), the bytes arrived whole and in order, the ring
 * used again call after call, and a failed io_uring_enter made good with
 * sendmsg. Where the kernel refuses io_uring (qemu-user, a sandbox), what
 * is checked is that uring_open says so and leaves no ring: natterd then
 * writes with writev. */
#include "check.h"
#include "loop/uring.h"
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

void test_uring_sendmsgs(void);

enum { FULL = 1, CLOSED = 2 };

void test_uring_sendmsgs(void)
{
	static int sp[SEND_BATCH][2], fd[SEND_BATCH], res[SEND_BATCH];
	static struct msghdr msg[SEND_BATCH];
	static struct iovec iov[SEND_BATCH][2];
	static char text[SEND_BATCH][32], fill[4096];
	struct uring u;

	if (uring_open(&u) < 0) {
		CHECK(u.fd == -1);
		CHECK(errno != 0);
		printf("  io_uring unavailable here (%s): checked the refusal only\n", strerror(errno));
		return;
	}
	for (unsigned i = 0; i < SEND_BATCH; i++) {
		CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp[i]) == 0);
		fd[i] = sp[i][0];
	}
	while (write(sp[FULL][0], fill, sizeof fill) > 0)
		;
	close(sp[CLOSED][1]);

	for (unsigned round = 0; round < 3; round++) {
		for (unsigned i = 0; i < SEND_BATCH; i++) {
			int n = snprintf(text[i], sizeof text[i], "round %u to %u\n", round, i);
			/* two pieces, as a door's header and the pool text */
			iov[i][0] = (struct iovec){ text[i], 6 };
			iov[i][1] = (struct iovec){ text[i] + 6, (size_t)n - 6 };
			msg[i] = (struct msghdr){ .msg_iov = iov[i], .msg_iovlen = 2 };
			res[i] = 12345;
		}
		uring_sendmsgs(&u, SEND_BATCH, fd, msg, res);
		CHECK(res[FULL] == -EAGAIN);
		CHECK(res[CLOSED] == -EPIPE);
		for (unsigned i = 0; i < SEND_BATCH; i++) {
			char got[64];
			if (i == FULL || i == CLOSED)
				continue;
			size_t want = strlen(text[i]);
			CHECK(res[i] == (int)want);
			CHECK(read(sp[i][1], got, sizeof got) == (ssize_t)want);
			CHECK(memcmp(got, text[i], want) == 0);
		}
	}
	/* fewer than a batch, and one */
	char one[64];
	uring_sendmsgs(&u, 1, fd, msg, res);
	CHECK(res[0] == (int)strlen(text[0]));
	CHECK(read(sp[0][1], one, sizeof one) == (ssize_t)strlen(text[0]));
	/* io_uring_enter failing (here: a bad ring descriptor) takes the
	 * entries back and sends with sendmsg; the ring works on after. */
	for (int bad = 1; bad >= 0; bad--) {
		int ring_fd = u.fd;
		char got[64];
		if (bad)
			u.fd = -1;
		uring_sendmsgs(&u, 4, fd, msg, res);
		u.fd = ring_fd;
		CHECK(res[FULL] == -EAGAIN && res[CLOSED] == -EPIPE);
		CHECK(res[3] == (int)strlen(text[3]));
		CHECK(read(sp[0][1], got, sizeof got) == (ssize_t)strlen(text[0]));
		CHECK(read(sp[3][1], got, sizeof got) == (ssize_t)strlen(text[3]));
		CHECK(memcmp(got, text[3], strlen(text[3])) == 0);
	}
	for (unsigned i = 0; i < SEND_BATCH; i++)
		close(sp[i][0]), close(sp[i][1]);
	close(u.fd);
}
