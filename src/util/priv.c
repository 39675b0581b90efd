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
static int parse_passwd_line(char *line, const char *user, uid_t *uid, gid_t *gid)
{
	char *field[4];
	for (int i = 0; i < 4; i++) {
		field[i] = line;
		line = strchr(line, ':');
		if (!line)
			return 0;
		*line++ = '\0';
	}
	if (strcmp(field[0], user) != 0)
		return 0;
	*uid = strtoul(field[2], NULL, 10);
	*gid = strtoul(field[3], NULL, 10);
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
	close(fd);
	return found;
}

void drop_privileges(const char *user)
{
	uid_t uid;
	gid_t gid;

	if (!lookup_user(user, &uid, &gid)) {
		log_error("-u %s: no such user in /etc/passwd", user);
		exit(1);
	}
	if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		log_error("-u %s: cannot drop privileges: %s", user, strerror(errno));
		exit(1);
	}
	/* If root could be taken back, the drop did not happen. */
	if (uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
		log_error("-u %s: still able to become root; refusing to run", user);
		exit(1);
	}
}
