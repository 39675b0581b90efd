#!/usr/bin/env bash
# tests/vm/customize.sh essential|customize ROOT: the VM root's own setup,
# run by mmdebstrap: "essential" (--essential-hook) before the kernel is
# installed, "customize" (--customize-hook) after all the packages are in.
# Runs on the host; chroot runs the root's arm64 programs under qemu-user
# (binfmt_misc). OUT (from tests/vm/vm) is the image directory being built:
# it holds the throwaway key and receives the kernel and initrd.
set -eu
step=$1 r=$2
: "${OUT:?}"

if [ "$step" = essential ]; then
	# The initramfs gets only what the virt machine's root needs: the
	# default (MODULES=most) copies a thousand modules one by one under
	# qemu-user, which takes half an hour.
	mkdir -p "$r/etc/initramfs-tools/conf.d" "$r/etc/initramfs-tools/hooks"
	echo MODULES=list >"$r/etc/initramfs-tools/conf.d/natter-vm"
	cat >"$r/etc/initramfs-tools/hooks/natter-vm" <<'HOOK'
#!/bin/sh
# The modules the natter test VM (qemu -M virt) needs to mount its root.
case "$1" in prereqs) exit 0 ;; esac
. /usr/share/initramfs-tools/hook-functions
manual_add_modules virtio_pci virtio_mmio virtio_blk virtio_net ext4 crc32c_generic
HOOK
	chmod 755 "$r/etc/initramfs-tools/hooks/natter-vm"
	exit 0
fi

echo natter-vm >"$r/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tnatter-vm\n::1\tlocalhost\n' >"$r/etc/hosts"
printf '/dev/vda2\t/\text4\trw,errors=remount-ro\t0\t1\n' >"$r/etc/fstab"

# The pi user: key login only, sudo without a password (deploy uses sudo -n).
chroot "$r" useradd -m -s /bin/bash -u 1000 -G sudo pi
chroot "$r" usermod -p '*' pi
install -d -m 700 -o 1000 -g 1000 "$r/home/pi/.ssh"
install -m 600 -o 1000 -g 1000 "$OUT/id_ed25519.pub" "$r/home/pi/.ssh/authorized_keys"
echo 'pi ALL=(ALL) NOPASSWD: ALL' >"$r/etc/sudoers.d/010-pi"
chmod 440 "$r/etc/sudoers.d/010-pi"
# root may log in on the serial console without a password (debugging:
# the VM is reachable from 127.0.0.1 only, and sshd refuses empty passwords).
chroot "$r" passwd -d root >/dev/null

# Network: DHCP from qemu's user-mode network.
mkdir -p "$r/etc/systemd/network"
printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=ipv4\n' >"$r/etc/systemd/network/20-wired.network"
chroot "$r" systemctl enable systemd-networkd >/dev/null 2>&1
# Nothing that waits for a network that is not there, nor periodic jobs
# that take the VM's CPU during a test.
for u in systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
	man-db.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer; do
	ln -sf /dev/null "$r/etc/systemd/system/$u"
done
mkdir -p "$r/etc/ssh/sshd_config.d"
echo 'UseDNS no' >"$r/etc/ssh/sshd_config.d/natter-vm.conf"

# The kernel and initrd go out of the root: qemu loads them (-kernel).
cp "$r"/boot/vmlinuz-* "$OUT/vmlinuz"
cp "$r"/boot/initrd.img-* "$OUT/initrd.img"
