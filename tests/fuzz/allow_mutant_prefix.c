/* Spliced into build/fuzz/allow_mutant.c (see fuzz.mk): a BITS parser that
 * stops at the first non-digit and takes whatever follows ("8junk"). */
static int decimal_prefix(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	if (*s < '0' || *s > '9')
		return 0;
	for (; *s >= '0' && *s <= '9' && v <= max; s++)
		v = v * 10 + (unsigned long)(*s - '0');
	if (v > max)
		return 0;
	*out = v;
	return 1;
}
