#include "util/priv.h"
#include "util/log.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* /etc/passwd is read directly: libc's getpwnam would pull a heap
 * allocator and a few KiB into a binary that otherwise needs neither.
 * Users from NSS modules (LDAP and the like) are not seen; on a board
 * that is no loss. */
/* A uid or gid field: decimal digits only, not empty, at most 0xfffffffe
 * (which means "no id" to setuid and friends). */
static int parse_id(const char *s, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		unsigned long d = (unsigned long)(*s - '0');
		/* checked before it is computed: unsigned long is 32 bits on ARM */
		if (v > (0xfffffffeUL - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	*out = v;
	return 1;
}

/* 1: the line is USER's and well formed; 0: another user's line;
 * -1: USER's line, but its uid or gid field is not a plain number. */
static int parse_passwd_line(char *line, const char *user, uid_t *uid, gid_t *gid)
{
	char *field[4];
	unsigned long u, g;

	for (int i = 0; i < 4; i++) {
		field[i] = line;
		line = strchr(line, ':');
		if (!line)
			return i > 0 && strcmp(field[0], user) == 0 ? -1 : 0;
		*line++ = '\0';
	}
	if (strcmp(field[0], user) != 0)
		return 0;
	if (!parse_id(field[2], &u) || !parse_id(field[3], &g))
		return -1;
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return 1;
}

static int lookup_user(const char *user, uid_t *uid, gid_t *gid)
{
	char buf[4096];
	size_t held = 0;
	int found = 0;
	int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	for (;;) {
		ssize_t n = read(fd, buf + held, sizeof buf - 1 - held);
		if (n <= 0)
			break;
		held += n;
		buf[held] = '\0';
		char *start = buf, *nl;
		while (!found && (nl = strchr(start, '\n'))) {
			*nl = '\0';
			found = parse_passwd_line(start, user, uid, gid);
			start = nl + 1;
		}
		if (found)
			break;
		held -= start - buf;
		memmove(buf, start, held);
		if (held == sizeof buf - 1)
			held = 0;       /* an absurd line: skip it */
	}
	if (!found && held > 0) {       /* a last line without a newline */
		buf[held] = '\0';
		found = parse_passwd_line(buf, user, uid, gid);
	}
	close(fd);
	return found;
}

void drop_privileges(const char *user)
{
	uid_t uid;
	gid_t gid;

	int found = lookup_user(user, &uid, &gid);

	if (found < 0) {
		log_error("-u %s: malformed /etc/passwd line for this user "
			  "(uid and gid must be plain numbers); refusing to run", user);
		exit(1);
	}
	if (!found) {
		log_error("-u %s: no such user in /etc/passwd", user);
		exit(1);
	}
	/* Root is kept only when asked for by name: another name with uid 0
	 * is a mistake (or a trap), not a way to drop privileges. */
	if (uid == 0 && strcmp(user, "root") != 0) {
		log_error("-u %s: this user has uid 0; refusing to run as root "
			  "under another name (use -u root to keep root)", user);
		exit(1);
	}
	if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		log_error("-u %s: cannot drop privileges: %s", user, strerror(errno));
		exit(1);
	}
	/* If root could be taken back, the drop did not happen. (-u root
	 * is the one case that keeps root, by name.) */
	if (strcmp(user, "root") != 0 && (setuid(0) == 0 || geteuid() == 0)) {
		log_error("-u %s: still able to become root; refusing to run", user);
		exit(1);
	}
}
