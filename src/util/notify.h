/* systemd's readiness protocol, spoken directly: a datagram to
 * $NOTIFY_SOCKET. No libsystemd. Without NOTIFY_SOCKET these do nothing. */
#ifndef NATTER_NOTIFY_H
#define NATTER_NOTIFY_H
void notify(const char *state);
/* Microseconds between WATCHDOG=1 pings systemd expects, 0 when off. */
unsigned long notify_watchdog_usec(void);
#endif
