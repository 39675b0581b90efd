#include "door/metrics.h"
#include <stdarg.h>
#include <stdio.h>

static const char *const door_names[METRIC_DOORS] = { "line", "web", "irc" };
static const char *const cut_names[CUT_REASONS] = {
	"too_slow", "idle", "socket_error", "protocol", "handshake_timeout",
};
static const char *const refuse_names[REFUSE_REASONS] = {
	"not_allowed", "max_per_ip", "full", "http_busy",
};

struct out {
	char *p;
	size_t size, len;
};

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	if (o->len + 1 >= o->size)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(o->p + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < o->size - o->len ? (size_t)n : o->size - o->len - 1;
}

static void head(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP natter_%s %s\n# TYPE natter_%s %s\n", name, help, name, type);
}

/* A metric of one value, without labels: its head and `natter_NAME V`. */
static void one(struct out *o, const char *name, const char *type, const char *help,
		unsigned long v)
{
	head(o, name, type, help);
	put(o, "natter_%s %lu\n", name, v);
}

/* A counter by one label: `natter_NAME{KEY="LABEL"} V` for each label. */
static void by_label(struct out *o, const char *name, const char *help, const char *key,
		     const char *const *labels, const unsigned long *v, int n)
{
	head(o, name, "counter", help);
	for (int i = 0; i < n; i++)
		put(o, "natter_%s{%s=\"%s\"} %lu\n", name, key, labels[i], v[i]);
}

size_t metrics_render(const struct metrics_figures *f, char *out, size_t size)
{
	struct out o = { out, size, 0 };

	out[0] = '\0';
	head(&o, "build_info", "gauge", "Version of natterd.");
	put(&o, "natter_build_info{version=\"%s\",protocol=\"natter/1\"} 1\n", f->version);
	one(&o, "uptime_seconds", "gauge", "Seconds since natterd started.", f->uptime_s);
	head(&o, "connections", "gauge", "Open connections by door.");
	for (int i = 0; i < METRIC_DOORS; i++)
		put(&o, "natter_connections{door=\"%s\"} %ld\n", door_names[i], f->conns[i]);
	one(&o, "connections_limit", "gauge", "The connection limit.", f->conn_limit);
	by_label(&o, "connections_accepted_total", "Connections accepted by door.", "door",
		 door_names, f->accepted, METRIC_DOORS);
	one(&o, "messages_total", "counter", "Room messages, actions and private messages accepted.",
	    f->messages);
	one(&o, "rooms", "gauge", "Rooms with people, lobby included.", f->rooms);
	one(&o, "message_pool_used", "gauge", "Lines of the message pool in use.", f->pool_used);
	one(&o, "message_pool_size", "gauge", "Lines the message pool holds.", f->pool_size);
	if (f->history_lines >= 0)
		one(&o, "history_lines", "gauge", "Lines kept in room histories.", f->history_lines);
	by_label(&o, "cuts_total", "Connections the server ended, by reason.", "reason",
		 cut_names, f->cuts, CUT_REASONS);
	by_label(&o, "refusals_total", "Connections refused at the door, by reason.", "reason",
		 refuse_names, f->refusals, REFUSE_REASONS);
	one(&o, "http_requests_total", "counter", "HTTP request heads parsed by the web door.",
	    f->http_requests);
	one(&o, "websocket_upgrades_total", "counter", "WebSocket handshakes accepted.",
	    f->ws_upgrades);
	one(&o, "full_queue_writes_total", "counter",
	    "Queues written at once because a room's line found them full.", f->full_queue_writes);
	one(&o, "sleeping_worker_writes_total", "counter",
	    "Queues written by the worker that filled them, their own worker asleep.",
	    f->writes_for_sleepers);
	return o.len;
}
