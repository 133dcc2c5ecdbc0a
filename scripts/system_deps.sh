#!/bin/sh
# What `make run` and `make test` need from the system, installed with Debian's apt where we
# may (as root, or with sudo that asks no password); otherwise the one command to run is printed
# and the script fails. Used by the Makefile and by .ci/run.
#
#   scripts/system_deps.sh run       Node.js and npm (front-end assets), Python's venv module
#   scripts/system_deps.sh test      the above, plus Chromium and a CJK font for browser tests
#
# SYSTEM_DEPS_DRY_RUN=1 prints what is missing and the command, and installs nothing.
set -eu

want=${1:-run}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
missing=""

have_font() {
	if command -v fc-list >/dev/null 2>&1; then
		fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" && return 0
	fi
	[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]
}

command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || missing="$missing python3-venv"
if [ "$want" = "test" ]; then
	[ -x "$CHROMIUM" ] || command -v "$CHROMIUM" >/dev/null 2>&1 || missing="$missing chromium"
	have_font || missing="$missing fonts-wqy-microhei"
fi
[ -z "$missing" ] && exit 0

missing=${missing# }
command="apt-get install -y$(printf ' %s' $missing)"
if [ "${SYSTEM_DEPS_DRY_RUN:-0}" != 1 ] && command -v apt-get >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ]; then
		as_root=""
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		as_root="sudo -n"
	else
		as_root="none"
	fi
	if [ "$as_root" != none ]; then
		echo "== installing $missing (apt-get)"
		export DEBIAN_FRONTEND=noninteractive
		$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
		# shellcheck disable=SC2086  # one word per package
		$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
		exit 0
	fi
fi

echo "Missing from this machine: $missing. Install it with (Debian/Ubuntu):" >&2
echo "    sudo $command" >&2
if [ "$want" = "test" ]; then
	echo "(or run BROWSER_TESTS=0 make test to leave the browser tests out on this machine)" >&2
fi
exit 1
