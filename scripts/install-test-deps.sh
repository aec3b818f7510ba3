#!/bin/sh
# install-test-deps.sh: install the system packages the project's tests need, on Debian 12 (bookworm).
#
# Run as root before `go test ./...`. Idempotent: when every package is already installed it changes nothing and
# does not even run `apt-get update`. Output is quiet; on failure the apt log is printed and the exit status is 1.
#
# What each package is for (internal/tunneltest proves rendered strongSwan configurations with real daemons):
#   strongswan-charon               /usr/lib/ipsec/charon, the IKE daemon (one per network namespace)
#   strongswan-swanctl              swanctl, loads swanctl.conf into charon over vici
#   strongswan-starter              /usr/lib/ipsec/starter and the stroke plugin: runs ipsec.conf/ipsec.secrets
#   libcharon-extra-plugins         kernel-libipsec (userspace ESP; the test kernel has no CONFIG_INET_ESP)
#   libstrongswan-standard-plugins  openssl and gcm plugins (3des, aes-gcm, ecp groups; usually a Recommends)
#   iproute2                        ip netns / ip link (namespaces, veth pairs)
#   iputils-ping                    ping between the inner addresses
#   tcpdump                         captures the veth to prove ESP on the wire and no clear ICMP
#   util-linux                      unshare, nsenter (private mount namespace per daemon)
#   chromium                        the browser internal/web's console tests drive through chromedp (headless)
#   frr                             zebra, bgpd and vtysh: the live BGP tests run FRR in each namespace (installing it
#                                   starts no service that the tests depend on; they run their own daemons)
set -eu

PACKAGES="strongswan-charon strongswan-swanctl strongswan-starter libcharon-extra-plugins
libstrongswan-standard-plugins iproute2 iputils-ping tcpdump util-linux chromium frr"

die() {
	echo "install-test-deps.sh: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root (the tunnel tests create network namespaces); try: sudo $0"
command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 ||
	die "needs a Debian-based system with dpkg and apt-get (tested on Debian 12)"

# ---- Libreswan config parser (internal/render) ------------------------------------------------------------------
# internal/render checks its Libreswan output with Libreswan's own parsers (ipsec addconn --checkconfig and algparse).
# Debian's libreswan package conflicts with the strongSwan packages above, so it is NOT installed: the .deb is
# downloaded with `apt-get download` and unpacked into $VPCVPN_LIBRESWAN_ROOT (default /opt/vpcvpn/libreswan); its
# runtime libraries come from ordinary Debian packages that do not conflict. Nothing runs as a daemon and nothing is
# written outside that directory. Idempotent: skipped when the parser is already unpacked.
LIBRESWAN_ROOT=${VPCVPN_LIBRESWAN_ROOT:-/opt/vpcvpn/libreswan}
LIBRESWAN_LIBS="libunbound8 libevent-2.1-7 libnss3 libnspr4 libnettle8 libhogweed6 libgmp10"
if [ ! -x "$LIBRESWAN_ROOT/usr/libexec/ipsec/addconn" ] || [ ! -x "$LIBRESWAN_ROOT/usr/libexec/ipsec/algparse" ]; then
	echo "install-test-deps.sh: unpacking the Libreswan parser into $LIBRESWAN_ROOT"
	lsw_log=$(mktemp)
	lsw_tmp=$(mktemp -d)
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get update -qq >"$lsw_log" 2>&1 ||
		! apt-get install -y -qq --no-install-recommends $LIBRESWAN_LIBS >"$lsw_log" 2>&1 ||
		! (cd "$lsw_tmp" && apt-get download libreswan) >"$lsw_log" 2>&1; then
		cat "$lsw_log" >&2
		rm -rf "$lsw_log" "$lsw_tmp"
		die "could not fetch libreswan or its libraries"
	fi
	mkdir -p "$LIBRESWAN_ROOT"
	dpkg-deb -x "$lsw_tmp"/libreswan_*.deb "$LIBRESWAN_ROOT" || die "dpkg-deb -x of libreswan failed"
	rm -rf "$lsw_log" "$lsw_tmp"
	"$LIBRESWAN_ROOT/usr/libexec/ipsec/algparse" -v2 'esp=aes128-sha1' >/dev/null 2>&1 ||
		die "the unpacked Libreswan algparse does not run (missing libraries?)"
fi
# ---- end of the Libreswan section ----------------------------------------------------------------------------------

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing="$missing $p"
done

if [ -z "$missing" ]; then
	exit 0
fi

echo "install-test-deps.sh: installing:$missing"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -qq >"$log" 2>&1; then
	cat "$log" >&2
	die "apt-get update failed (network or sources.list problem?)"
fi
# shellcheck disable=SC2086 # word splitting of the package list is intended
if ! apt-get install -y -qq --no-install-recommends $missing >"$log" 2>&1; then
	cat "$log" >&2
	die "apt-get install failed for:$missing"
fi

for p in $missing; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || die "package $p is still not installed after apt-get install"
done
echo "install-test-deps.sh: done"
