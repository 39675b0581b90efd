/* The table of doors: one entry per enum door_kind. */
#include "door/door.h"

static const struct door_ops *const doors[DOOR_KINDS] = {
	[DOOR_LINE] = &door_line,
	[DOOR_WEB] = &door_web,
};

const struct door_ops *door_get(unsigned kind)
{
	return kind < DOOR_KINDS && doors[kind] ? doors[kind] : &door_line;
}
