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

size_t metrics_render(const struct metrics_figures *f, char *out, size_t size)
{
	struct out o = { out, size, 0 };

	out[0] = '\0';
	head(&o, "build_info", "gauge", "Version of natterd.");
	put(&o, "natter_build_info{version=\"%s\",protocol=\"natter/1\"} 1\n", f->version);
	head(&o, "uptime_seconds", "gauge", "Seconds since natterd started.");
	put(&o, "natter_uptime_seconds %lu\n", f->uptime_s);
	head(&o, "connections", "gauge", "Open connections by door.");
	for (int i = 0; i < METRIC_DOORS; i++)
		put(&o, "natter_connections{door=\"%s\"} %ld\n", door_names[i], f->conns[i]);
	head(&o, "connections_limit", "gauge", "The connection limit.");
	put(&o, "natter_connections_limit %lu\n", f->conn_limit);
	head(&o, "connections_accepted_total", "counter", "Connections accepted by door.");
	for (int i = 0; i < METRIC_DOORS; i++)
		put(&o, "natter_connections_accepted_total{door=\"%s\"} %lu\n", door_names[i], f->accepted[i]);
	head(&o, "messages_total", "counter", "Room messages, actions and private messages accepted.");
	put(&o, "natter_messages_total %lu\n", f->messages);
	head(&o, "rooms", "gauge", "Rooms with people, lobby included.");
	put(&o, "natter_rooms %lu\n", f->rooms);
	head(&o, "message_pool_used", "gauge", "Lines of the message pool in use.");
	put(&o, "natter_message_pool_used %lu\n", f->pool_used);
	head(&o, "message_pool_size", "gauge", "Lines the message pool holds.");
	put(&o, "natter_message_pool_size %lu\n", f->pool_size);
	if (f->history_lines >= 0) {
		head(&o, "history_lines", "gauge", "Lines kept in room histories.");
		put(&o, "natter_history_lines %ld\n", f->history_lines);
	}
	head(&o, "cuts_total", "counter", "Connections the server ended, by reason.");
	for (int i = 0; i < CUT_REASONS; i++)
		put(&o, "natter_cuts_total{reason=\"%s\"} %lu\n", cut_names[i], f->cuts[i]);
	head(&o, "refusals_total", "counter", "Connections refused at the door, by reason.");
	for (int i = 0; i < REFUSE_REASONS; i++)
		put(&o, "natter_refusals_total{reason=\"%s\"} %lu\n", refuse_names[i], f->refusals[i]);
	head(&o, "http_requests_total", "counter", "HTTP request heads parsed by the web door.");
	put(&o, "natter_http_requests_total %lu\n", f->http_requests);
	head(&o, "websocket_upgrades_total", "counter", "WebSocket handshakes accepted.");
	put(&o, "natter_websocket_upgrades_total %lu\n", f->ws_upgrades);
	return o.len;
}
