/* /metrics in the Prometheus text format (version 0.0.4), rendered from a
 * plain struct of figures. Pure: the figures are gathered by the caller. */
#ifndef NATTER_DOOR_METRICS_H
#define NATTER_DOOR_METRICS_H
#include <stddef.h>
#include "core/metrics.h"

struct metrics_figures {
	long conns[METRIC_DOORS];               /* open, by door */
	unsigned long accepted[METRIC_DOORS];
	unsigned long conn_limit;
	unsigned long messages;                 /* as /stats counts them */
	unsigned long rooms;
	unsigned long pool_used, pool_size;
	long history_lines;                     /* -1: no history in this build */
	unsigned long cuts[CUT_REASONS];
	unsigned long refusals[REFUSE_REASONS];
	unsigned long http_requests, ws_upgrades;
	unsigned long full_queue_writes, writes_for_sleepers;
	unsigned long uptime_s;
	const char *version;
};

/* Writes the exposition into out (NUL-ended); returns its length, or
 * size - 1 if it had to be cut (size must fit it: METRICS_TEXT_MAX). */
#define METRICS_TEXT_MAX 4096
size_t metrics_render(const struct metrics_figures *f, char *out, size_t size);
#endif
