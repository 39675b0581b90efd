/* Dropping root after binding (-u USER). */
#ifndef NATTER_PRIV_H
#define NATTER_PRIV_H
/* Switches to USER's uid and gid with no supplementary groups; exits 1
 * with a reason if USER is unknown or root could be taken back. */
void drop_privileges(const char *user);
#endif
