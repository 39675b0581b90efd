# deploy/board.sh: the board side of deploy/deploy. It is not run here:
# deploy/deploy sends it over SSH to the board's /bin/sh (sh -s), so it is
# plain POSIX sh and uses only what busybox has.
#
#   sh -s -- probe    ROOT
#   sh -s -- install  ROOT STAGE PORT WRAPPER
#   sh -s -- rollback ROOT WRAPPER [defaults]
#   sh -s -- withdraw ROOT WRAPPER
#   sh -s -- uninstall ROOT WRAPPER
#   sh -s -- version  ROOT WRAPPER
#   sh -s -- check    PORT SECONDS
#   sh -s -- cleanup  STAGE [ROOTSTAGE]
#
# deploy/deploy runs "probe" through sh -s, then uploads the files and this
# script into STAGE and runs "install" as sh STAGE/board.sh (with sudo -n
# when the SSH user is not root). install copies STAGE into ROOTSTAGE, a
# directory only root can write, and runs on from there; the later steps
# run ROOTSTAGE/board.sh.
#
# ROOT is "/" on a real board; another directory installs everything under
# it (tests, staging), and then the service is always run by the init
# script, never by the board's systemd. STAGE is the directory the files
# were uploaded to (natterd, natterd.service, natterd.init, natterd.default,
# and defaults.force when the defaults file is to replace the board's).
# WRAPPER ("-" for none) is put in front of the binary: qemu-arm in tests.
#
# Every step prints one line "step: text"; the last line of a failed
# command is "error: reason".

set -u
BIN_DIR=/usr/local/sbin

err() { echo "error: $*"; exit 1; }

root_of() {
	if [ "$1" = / ]; then R=; else R=${1%/}; fi
}

# systemd manages services only on a booted systemd board with ROOT=/.
use_systemd() {
	[ -z "$R" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1
}

init_env() {
	if [ -n "$R" ]; then NATTERD_ROOT=$R; export NATTERD_ROOT; fi
	if [ "$1" != - ]; then NATTERD_WRAPPER=$1; export NATTERD_WRAPPER; fi
}

# Replace $2 by $1 with a rename in $2's directory (atomic for readers).
# The new file gets mode $3.
put() {
	d=$(dirname "$2")
	mkdir -p "$d" || err "cannot create $d"
	cp "$1" "$d/.$(basename "$2").new" || err "cannot write $d"
	chmod "$3" "$d/.$(basename "$2").new"
	mv -f "$d/.$(basename "$2").new" "$2" || err "cannot rename into $2"
}

# The line of a failed start that says why, else its exit status.
why() {
	w=$(echo "$1" | grep -i -m 1 'fail\|not ready\|cannot\|error' | sed 's/^natterd: //; s/; last lines of .*//')
	echo "${w:-exit status $2}"
}

same() { [ -f "$1" ] && [ -f "$2" ] && cmp -s "$1" "$2"; }

defaults_port() {
	p=$(sed -n 's/^NATTERD_PORT=["'\'']*\([0-9]*\).*/\1/p' "$R/etc/default/natterd" 2>/dev/null | tail -n 1)
	echo "${p:-8080}"
}

service() { # start|stop|restart
	if use_systemd; then
		[ "$1" = stop ] || systemctl reset-failed natterd.service >/dev/null 2>&1
		systemctl "$1" natterd.service
	else
		sh "$R/etc/init.d/natterd" "$1"
	fi
}

cmd_probe() {
	root_of "$1"
	echo "arch=$(uname -m)"
	echo "uid=$(id -u)"
	if use_systemd; then echo "manager=systemd"; else echo "manager=init-script"; fi
	if [ -f "$R$BIN_DIR/natterd" ]; then echo "installed=yes"; else echo "installed=no"; fi
	echo "port=$(defaults_port)"
	if command -v dpkg >/dev/null 2>&1; then echo "userland=$(dpkg --print-architecture)"; fi
	# The Debian package natterd, if dpkg knows it: "STATUS VERSION"
	# (installed, config-files, half-configured, ...).
	if [ -z "$R" ] && command -v dpkg-query >/dev/null 2>&1; then
		echo "package=$(dpkg-query -W -f='${db:Status-Status} ${Version}' natterd 2>/dev/null)"
	fi
	if command -v tar >/dev/null 2>&1; then echo "tar=yes"; else echo "tar=no"; fi
	stage=$(mktemp -d "${TMPDIR:-/tmp}/natter-deploy.XXXXXX") || err "mktemp failed on the board"
	echo "stage=$stage"
}

# The stage was written by the SSH user, who could still change it while
# root checks and installs from it (and this very script with it). So
# root first copies it into a directory of its own (mktemp -d: mode 700),
# refusing anything but plain files, and goes on from that copy.
private_stage() { # STAGE -> prints the copy's path
	P=$(mktemp -d "${TMPDIR:-/tmp}/natter-deploy-root.XXXXXX") || err "mktemp failed on the board"
	for f in board.sh natterd natterd.service natterd.init natterd.default defaults.force; do
		[ -e "$1/$f" ] || [ -L "$1/$f" ] || continue
		cp -P "$1/$f" "$P/$f" || err "cannot copy $1/$f"
		[ -f "$P/$f" ] && [ ! -L "$P/$f" ] || err "upload not a plain file: $1/$f"
	done
	echo "$P"
}

cmd_install() {
	root_of "$1"; S=$2; port=$3; init_env "$4"
	case "$S" in
		*/natter-deploy-root.*) ;;
		*)
			P=$(private_stage "$S") || { echo "$P"; exit 1; }
			echo "rootstage=$P"
			exec sh "$P/board.sh" install "$1" "$P" "$3" "$4" ;;
	esac
	for f in natterd natterd.service natterd.init natterd.default; do
		[ -s "$S/$f" ] || err "upload incomplete: $S/$f missing"
	done
	bin=$R$BIN_DIR/natterd

	# Defaults: never overwrite the board's own settings unless asked to.
	def=$R/etc/default/natterd
	rm -f "$S/defaults.before"
	[ -f "$def" ] && cp -p "$def" "$S/defaults.before"
	if [ ! -f "$def" ]; then
		put "$S/natterd.default" "$def" 644
		echo "defaults: installed /etc/default/natterd"
	elif [ -f "$S/defaults.force" ] && ! same "$S/natterd.default" "$def"; then
		put "$S/natterd.default" "$def" 644
		echo "defaults: replaced /etc/default/natterd"
	else
		echo "defaults: kept the board's /etc/default/natterd"
	fi
	if [ "$port" != - ] && [ "$(defaults_port)" != "$port" ]; then
		if grep -q '^NATTERD_PORT=' "$def"; then
			sed "s/^NATTERD_PORT=.*/NATTERD_PORT=$port/" "$def" >"$def.tmp" &&
				chmod 644 "$def.tmp" && mv -f "$def.tmp" "$def" || err "cannot edit $def"
		else
			echo "NATTERD_PORT=$port" >>"$def" || err "cannot edit $def"
		fi
		echo "defaults: NATTERD_PORT=$port"
	fi
	if [ -f "$S/defaults.before" ] && ! same "$S/defaults.before" "$def"; then
		cp -p "$S/defaults.before" "$def.prev" || err "cannot keep $def.prev"
		echo "defaults: the board's previous settings kept as /etc/default/natterd.prev"
	fi

	# The LAN announcement from the settings now in place; avahi-daemon
	# notices the file by itself. Not fatal: natterd works without it.
	if [ -f "$S/natter-avahi-service" ] && sh "$S/natter-avahi-service" --defaults "$def" >"$S/natter.service"; then
		put "$S/natter.service" "$R/etc/avahi/services/natter.service" 644
		echo "avahi: /etc/avahi/services/natter.service"
	fi

	# Service definition: the unit on systemd, the init script otherwise.
	if use_systemd; then
		put "$S/natterd.service" "$R/etc/systemd/system/natterd.service" 644
		systemctl daemon-reload || err "systemctl daemon-reload failed"
		systemctl enable natterd.service >/dev/null 2>&1 || err "systemctl enable natterd failed"
		echo "service: /etc/systemd/system/natterd.service, enabled (systemd)"
	else
		put "$S/natterd.init" "$R/etc/init.d/natterd" 755
		if [ -z "$R" ] && command -v update-rc.d >/dev/null 2>&1; then
			update-rc.d natterd defaults >/dev/null 2>&1 || err "update-rc.d natterd defaults failed"
			how="update-rc.d"
		else
			# busybox init (Buildroot): rcS starts /etc/init.d/S??* in order.
			ln -sf natterd "$R/etc/init.d/S50natterd" || err "cannot link S50natterd"
			how="/etc/init.d/S50natterd"
		fi
		echo "service: /etc/init.d/natterd, enabled ($how)"
	fi

	# The binary: the running one is kept as natterd.prev, then the new
	# one is renamed into place (the service keeps running the old inode
	# until it is restarted).
	if [ -f "$bin" ]; then
		if same "$S/natterd" "$bin"; then
			echo "binary: $BIN_DIR/natterd is already this build"
		else
			cp -p "$bin" "$bin.prev.tmp" && mv -f "$bin.prev.tmp" "$bin.prev" || err "cannot keep $bin.prev"
			put "$S/natterd" "$bin" 755
			echo "binary: installed $BIN_DIR/natterd (previous kept as natterd.prev)"
		fi
	else
		put "$S/natterd" "$bin" 755
		echo "binary: installed $BIN_DIR/natterd (first install)"
	fi

	echo "port=$(defaults_port)"
	out=$(service restart 2>&1); rc=$?
	echo "$out" | sed 's/^/restart: /'
	[ $rc = 0 ] || err "the service did not start: $(why "$out" "$rc")"
	print_version
}

cmd_rollback() {
	root_of "$1"; init_env "$2"
	bin=$R$BIN_DIR/natterd
	def=$R/etc/default/natterd
	[ -f "$bin.prev" ] && ! same "$bin.prev" "$bin" || err "no previous binary to roll back to"
	cp -p "$bin" "$bin.failed"
	put "$bin.prev" "$bin" 755
	echo "rollback: restored natterd.prev (the failed binary is kept as natterd.failed)"
	if [ "${3:-}" = defaults ] && [ -f "$def.prev" ]; then
		cp -p "$def" "$def.failed"
		put "$def.prev" "$def" 644
		echo "rollback: restored /etc/default/natterd.prev (this deploy's settings kept as natterd.failed)"
	fi
	echo "port=$(defaults_port)"
	out=$(service restart 2>&1); rc=$?
	echo "$out" | sed 's/^/restart: /'
	[ $rc = 0 ] || err "the previous binary did not start either: $(why "$out" "$rc")"
	print_version
}

# A first install that does not work: stop it and keep it from starting
# at boot; the binary is kept as natterd.failed for a look.
cmd_withdraw() {
	root_of "$1"; init_env "$2"
	bin=$R$BIN_DIR/natterd
	service stop >/dev/null 2>&1
	if use_systemd; then
		systemctl disable natterd.service >/dev/null 2>&1
	else
		rm -f "$R/etc/init.d/S50natterd"
		[ -z "$R" ] && command -v update-rc.d >/dev/null 2>&1 && update-rc.d natterd remove >/dev/null 2>&1
	fi
	[ -f "$bin" ] && mv -f "$bin" "$bin.failed"
	rm -f "$R/etc/avahi/services/natter.service"    # announce no dead server
	echo "withdraw: natterd stopped and disabled; the binary is kept as natterd.failed"
}

# Hand the board back: stop natterd and remove what deploy installed (the
# binaries, the unit or the init script and its links, the announcement),
# so that the Debian package can be installed. The settings stay in
# /etc/default/natterd (apt then asks whether to keep them: the default).
cmd_uninstall() {
	root_of "$1"; init_env "$2"
	bin=$R$BIN_DIR/natterd
	unit=$R/etc/systemd/system/natterd.service
	service stop >/dev/null 2>&1
	# Only deploy's own files (they run $BIN_DIR/natterd), not an admin's.
	if use_systemd && grep -qs "$BIN_DIR/natterd" "$unit"; then
		systemctl disable natterd.service >/dev/null 2>&1
		rm -f "$unit"
		systemctl daemon-reload || err "systemctl daemon-reload failed"
		systemctl reset-failed natterd.service >/dev/null 2>&1
	fi
	if grep -qs "$BIN_DIR/natterd" "$R/etc/init.d/natterd"; then
		rm -f "$R/etc/init.d/S50natterd" "$R/etc/init.d/natterd"
		[ -z "$R" ] && command -v update-rc.d >/dev/null 2>&1 && update-rc.d natterd remove >/dev/null 2>&1
	fi
	rm -f "$bin" "$bin.prev" "$bin.failed" "$R/etc/avahi/services/natter.service"
	echo "uninstall: natterd stopped; binaries, service and announcement removed; settings kept in /etc/default/natterd"
}

print_version() {
	echo "version=$(${NATTERD_WRAPPER:-} "$R$BIN_DIR/natterd" --version 2>&1 | head -n 1)"
}

cmd_version() {
	root_of "$1"; init_env "$2"
	print_version
}

# The greeting, read on the board itself from 127.0.0.1:PORT (for boards
# whose port the deploying machine cannot reach). Needs bash or nc.
cmd_check() {
	port=$1; secs=$2
	n=$secs
	while [ "$n" -gt 0 ]; do
		if command -v bash >/dev/null 2>&1; then
			line=$(bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" && IFS= read -r -t 2 l <&3 && printf %s "$l"' "$port" 2>/dev/null)
		elif command -v nc >/dev/null 2>&1; then
			line=$( (sleep 2 | timeout 3 nc 127.0.0.1 "$port") 2>/dev/null | head -n 1)
		else
			err "the board has neither bash nor nc for --check-on-board"
		fi
		case "$line" in "= welcome: natter/1"*) echo "greeting=$line"; return 0 ;; esac
		sleep 1 2>/dev/null
		n=$((n - 1))
	done
	err "no greeting on 127.0.0.1:$port within ${secs}s"
}

cmd_cleanup() {
	for d in "$@"; do
		case "$d" in
			*/natter-deploy.*|*/natter-deploy-root.*) rm -rf "$d" ;;
			*) err "refusing to remove $d" ;;
		esac
	done
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
	probe) cmd_probe "$@" ;;
	install) cmd_install "$@" ;;
	rollback) cmd_rollback "$@" ;;
	withdraw) cmd_withdraw "$@" ;;
	uninstall) cmd_uninstall "$@" ;;
	version) cmd_version "$@" ;;
	check) cmd_check "$@" ;;
	cleanup) cmd_cleanup "$@" ;;
	*) err "board.sh: unknown command '$cmd'" ;;
esac
