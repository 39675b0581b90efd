/* What natter prints. In terminal mode, server lines appear above the input
 * line, which is redrawn below them with the text and cursor as they were.
 * Otherwise server lines are printed one per line, as received. Output is
 * collected in one buffer and written at scr_flush(), so a burst of lines
 * costs one write and one redraw. */
#ifndef NATTER_CLIENT_SCREEN_H
#define NATTER_CLIENT_SCREEN_H

#include <stddef.h>

/* term: draw an input line; color: colour nicks and errors. */
void scr_init(int term, int color);
/* The prompt names the room; NULL or "" before we know it. */
void scr_prompt(const char *room);
/* A line from the server (or our own message, echoed); it is sanitized. */
void scr_line(const char *s, size_t n);
/* A line shown dimmed (room history); it is sanitized. */
void scr_dim_line(const char *s, size_t n);
/* A note from natter itself, shown as "natter: ..." (terminal mode). */
void scr_note(const char *a, const char *b, const char *c);
/* The input line changed (a key): redraw it at the next flush. */
void scr_touch(void);
/* Writes what is pending; in terminal mode redraws the input line if it
 * changed or was overwritten. */
void scr_flush(void);
/* Ctrl-L: clear the screen, then the next flush redraws. */
void scr_clear_screen(void);
/* Re-reads the terminal width (after SIGWINCH). */
void scr_resize(void);
/* Removes the input line from the screen (before exit or suspend). */
void scr_leave(void);

#endif
