/* What the client reads out of the protocol's lines (PROTOCOL.md): the
 * replies that tell our nick and room, error codes, and /stats commands. */
#ifndef NATTER_CLIENT_WIRE_H
#define NATTER_CLIENT_WIRE_H

#include <stddef.h>

/* The word after prefix (up to a space or ';'), copied NUL-terminated into
 * out (max bytes + 1); 1 if s starts with prefix and the word fits. */
int wire_word_after(const char *s, size_t n, const char *prefix, char *out, size_t max);
/* "= welcome: ...; you are NICK in ROOM; ..." -> nick and room. */
int wire_welcome(const char *s, size_t n, char *nick, char *room, size_t max);
/* "! CODE: text" -> CODE (out holds max bytes + 1). */
int wire_error_code(const char *s, size_t n, char *out, size_t max);
/* 1 if line is a /stats command (any case, any arguments). */
int wire_is_stats(const char *line);
/* 1 if line starts with the command word cmd ("/me", "/msg"), any case;
 * *rest is set to the text after the word and its separating spaces. */
int wire_is_cmd(const char *line, size_t n, const char *cmd, size_t *rest);

#endif
