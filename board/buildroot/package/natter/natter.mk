################################################################################
#
# natter
#
################################################################################

# Built from the natter source tree this external tree lives in
# (board/buildroot/ of it): make BR2_EXTERNAL=/path/to/natter/board/buildroot
NATTER_VERSION = 1.0.0
NATTER_SITE = $(BR2_EXTERNAL_NATTER_PATH)/../..
NATTER_SITE_METHOD = local
NATTER_OVERRIDE_SRCDIR_RSYNC_EXCLUSIONS = --exclude .git --exclude build

# natterd drops to this user when the init script starts it as root.
NATTER_USERS = natterd -1 natterd -1 * - - - natter chat server

# The tree's own Makefile, told to use Buildroot's cross compiler. It
# links statically by default; here Buildroot's BR2_STATIC_LIBS decides.
NATTER_MAKE_OPTS = \
	TARGET=host \
	BUILD=build/buildroot \
	CROSS_COMPILE="$(TARGET_CROSS)" \
	CPU_CFLAGS="$(TARGET_CFLAGS)" \
	LDFLAGS="$(TARGET_LDFLAGS) $(if $(BR2_STATIC_LIBS),-static) -Wl,--gc-sections -pthread" \
	VERSION=$(NATTER_VERSION) \
	MAX_CONNS=$(BR2_PACKAGE_NATTER_MAX_CONNS) \
	MAX_ROOMS=$(BR2_PACKAGE_NATTER_MAX_ROOMS) \
	MAX_MSGS=$(BR2_PACKAGE_NATTER_MAX_MSGS)

NATTER_PROGRAMS = natterd $(if $(BR2_PACKAGE_NATTER_CLIENT),natter)

define NATTER_BUILD_CMDS
	$(TARGET_MAKE_ENV) $(MAKE) -C $(@D) $(NATTER_MAKE_OPTS) $(NATTER_PROGRAMS)
endef

define NATTER_INSTALL_TARGET_CMDS
	$(INSTALL) -D -m 0755 $(@D)/build/buildroot/natterd $(TARGET_DIR)/usr/sbin/natterd
	$(if $(BR2_PACKAGE_NATTER_CLIENT),$(INSTALL) -D -m 0755 $(@D)/build/buildroot/natter $(TARGET_DIR)/usr/bin/natter)
	$(INSTALL) -D -m 0644 $(@D)/board/natterd.default $(TARGET_DIR)/etc/default/natterd
	$(SED) 's/^NATTERD_PORT=.*/NATTERD_PORT=$(BR2_PACKAGE_NATTER_PORT)/' \
		-e 's/^NATTERD_USER=.*/NATTERD_USER=natterd/' \
		-e 's|^#* *NATTERD_BIN=.*|NATTERD_BIN=/usr/sbin/natterd|' \
		$(TARGET_DIR)/etc/default/natterd
	$(INSTALL) -D -m 0644 $(@D)/docs/man/natterd.8 $(TARGET_DIR)/usr/share/man/man8/natterd.8
	$(INSTALL) -D -m 0644 $(@D)/docs/man/natter-protocol.7 $(TARGET_DIR)/usr/share/man/man7/natter-protocol.7
	$(if $(BR2_PACKAGE_NATTER_CLIENT),$(INSTALL) -D -m 0644 $(@D)/docs/man/natter.1 $(TARGET_DIR)/usr/share/man/man1/natter.1)
	$(NATTER_INSTALL_AVAHI)
endef

# With Avahi in the image, natterd is announced on the LAN (_natter._tcp,
# and _http._tcp/_irc._tcp for its doors): natter --browse finds it.
ifeq ($(BR2_PACKAGE_AVAHI_DAEMON),y)
define NATTER_INSTALL_AVAHI
	mkdir -p $(TARGET_DIR)/etc/avahi/services
	$(@D)/board/natter-avahi-service -p $(BR2_PACKAGE_NATTER_PORT) \
		>$(TARGET_DIR)/etc/avahi/services/natter.service
endef
endif

define NATTER_INSTALL_INIT_SYSV
	$(INSTALL) -D -m 0755 $(@D)/board/natterd.init $(TARGET_DIR)/etc/init.d/S50natterd
endef

define NATTER_INSTALL_INIT_SYSTEMD
	$(INSTALL) -D -m 0644 $(@D)/board/natterd.service \
		$(TARGET_DIR)/usr/lib/systemd/system/natterd.service
	$(SED) 's|/usr/local/sbin/natterd|/usr/sbin/natterd|' \
		$(TARGET_DIR)/usr/lib/systemd/system/natterd.service
	mkdir -p $(TARGET_DIR)/etc/systemd/system/multi-user.target.wants
	ln -sf /usr/lib/systemd/system/natterd.service \
		$(TARGET_DIR)/etc/systemd/system/multi-user.target.wants/natterd.service
endef

$(eval $(generic-package))
