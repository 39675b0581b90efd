/* Terminal mode switching (see term.h). */
#include "term.h"

#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static int have_saved, is_raw;

int term_raw(void)
{
	struct termios t;

	if (!have_saved) {
		if (tcgetattr(0, &saved) < 0)
			return -1;
		have_saved = 1;
	}
	t = saved;
	/* Keys arrive one by one and unechoed; Ctrl-C, Ctrl-Z and Ctrl-S
	 * arrive as bytes for the line editor instead of acting on us. */
	t.c_iflag &= ~(tcflag_t)(BRKINT | ICRNL | INPCK | ISTRIP | IXON);
	t.c_lflag &= ~(tcflag_t)(ECHO | ICANON | IEXTEN | ISIG);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	/* Output processing (OPOST) is left as it was; natter writes "\r\n"
	 * itself so the result is the same either way. */
	if (tcsetattr(0, TCSADRAIN, &t) < 0)
		return -1;
	is_raw = 1;
	return 0;
}

void term_restore(void)
{
	if (is_raw)
		tcsetattr(0, TCSADRAIN, &saved);
	is_raw = 0;
}

int term_width(void)
{
	struct winsize ws;

	if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}
