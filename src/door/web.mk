# The chat page: src/door/web/page.html, gzipped at build time (gzip -9n:
# the same bytes on every build) and turned into a C array by od and awk,
# so natterd serves it from memory. Its ETag is the CRC and size of the
# gzipped bytes (POSIX cksum). The header, src/door/web/page_gz.h (not in
# git), is the same for every TARGET and every test build; it is in the
# Makefile's SERVER_HDRS, so each build that lists those makes it first.
WEB_PAGE   := src/door/web/page.html
WEB_GEN    := build/gen
WEB_PAGE_H := src/door/web/page_gz.h

$(WEB_PAGE_H): $(WEB_PAGE) src/door/web.mk
	@mkdir -p $(WEB_GEN)
	@$(if $(Q),echo '  GZIP    $@')
	$(Q)gzip -9nc $(WEB_PAGE) > $(WEB_GEN)/page.html.gz
	$(Q){ echo "/* generated from $(WEB_PAGE) by src/door/web.mk; do not edit */"; \
	  echo "const unsigned char web_page_gz[] = {"; \
	  od -An -v -tu1 $(WEB_GEN)/page.html.gz | awk '{ for (i = 1; i <= NF; i++) printf "%s,", $$i; print "" }'; \
	  echo "};"; \
	  echo "const unsigned web_page_gz_len = sizeof web_page_gz;"; \
	  cksum < $(WEB_GEN)/page.html.gz | awk '{ printf "const char web_page_etag[] = \"\\\"%08x-%x\\\"\";\n", $$1, $$2 }'; \
	} > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/door/page.o: $(WEB_PAGE_H)

# The page's budget: at most 16 KiB gzipped.
WEB_PAGE_BUDGET := 16384
.PHONY: web-page-size
web-page-size: $(WEB_PAGE_H)
	@s=$$(stat -c %s $(WEB_GEN)/page.html.gz); \
	if [ $$s -gt $(WEB_PAGE_BUDGET) ]; then echo "size: page is $$s bytes gzipped, over its budget of $(WEB_PAGE_BUDGET)"; exit 1; \
	else echo "size: page $$s bytes gzipped, budget $(WEB_PAGE_BUDGET): ok"; fi
