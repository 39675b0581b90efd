#!/usr/bin/env bash
# Install what building and testing natter needs, only if it is missing.
#   install-deps.sh TARGET...      toolchains for these targets (host armhf ...)
#   install-deps.sh --pkg NAME...  extra Debian packages (tests use this)
# Adds the foreign dpkg architectures that musl-dev:ARCH needs, and retries
# apt-get update once, since a mirror may be between index updates.
set -u
cd "$(dirname "$0")/.."

pkgs=() arches=()
while [ $# -gt 0 ]; do
  case "$1" in
    --pkg) shift; while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do pkgs+=("$1"); shift; done; continue ;;
    *) f="toolchain/$1.mk"
       [ -f "$f" ] || { echo "install-deps: no toolchain file $f" >&2; exit 2; }
       for p in $(sed -n 's/^APT_PACKAGES *:= *//p' "$f"); do pkgs+=("$p"); done
       a=$(sed -n 's/^APT_ARCH *:= *//p' "$f"); [ -n "$a" ] && arches+=("$a") ;;
  esac
  shift
done
# libc6-dev: gcc only recommends it, and host tools (loadgen) need its headers.
pkgs+=(make gcc libc6-dev python3 file binutils)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root or install them" >&2
  exit 1
fi
have=$(dpkg --print-foreign-architectures)
for a in "${arches[@]}"; do
  echo "$have" | grep -qx "$a" || dpkg --add-architecture "$a"
done
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Another apt run (a test suite installing its tools) may hold the lock.
lock=(-o DPkg::Lock::Timeout=600)
for try in 1 2 3; do
  apt-get "${lock[@]}" update -q >/dev/null 2>&1 && break
  echo "install-deps: apt-get update failed (try $try), retrying" >&2
  sleep $((try * 5))
done
for try in 1 2; do
  apt-get "${lock[@]}" install -y -q --no-install-recommends "${missing[@]}" >/tmp/natter-apt.log 2>&1 && exit 0
  echo "install-deps: apt-get install failed (try $try), see /tmp/natter-apt.log" >&2
  apt-get "${lock[@]}" update -q >/dev/null 2>&1
done
tail -n 20 /tmp/natter-apt.log >&2
exit 1
