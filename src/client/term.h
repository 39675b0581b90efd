/* The terminal: raw mode in, restored out, whatever the way out is. */
#ifndef NATTER_CLIENT_TERM_H
#define NATTER_CLIENT_TERM_H

/* Saves the settings of fd 0 (once) and switches it to raw mode. */
int term_raw(void);
/* Puts back the saved settings; harmless when nothing was changed. */
void term_restore(void);
/* Columns of the terminal on fd 1, 80 if unknown. */
int term_width(void);

#endif
