/* The input line of terminal mode: an edit buffer, key decoding (including
 * the escape sequences of arrow keys) and a small history. No output here:
 * screen.c draws the line, main.c acts on the returned actions. */
#ifndef NATTER_CLIENT_LINEEDIT_H
#define NATTER_CLIENT_LINEEDIT_H

#include "opts.h"

enum le_action {
	LE_NONE,        /* nothing visible changed */
	LE_DRAW,        /* the line changed: redraw it */
	LE_ENTER,       /* Enter: the line is ready to send */
	LE_QUIT,        /* Ctrl-C, or Ctrl-D on an empty line */
	LE_SUSPEND,     /* Ctrl-Z */
	LE_REFRESH,     /* Ctrl-L: clear the screen and redraw */
	LE_BELL         /* refused (line full, no more history) */
};

/* Feeds one byte typed by the user. */
enum le_action le_key(unsigned char c);
/* The current text (not NUL-terminated), its length and the cursor. */
const char *le_text(int *len, int *cursor);
/* Empties the line, after Enter. */
void le_clear(void);
/* Remembers a sent line for Up/Down. */
void le_history_add(const char *s, int len);

#endif
