#!/bin/sh
# install.sh - `make install` into a staging DESTDIR, then build and run a program against it with pkg-config.
set -eu
top=$(pwd)
. "$top/tests/lib.sh"	# asan_runtime
stage=$(mktemp -d /tmp/pidcycle-install.XXXXXX)
trap 'rm -rf "$stage"' EXIT
fail() { echo "install: FAIL: $*"; echo "install: 0 passed, 1 failed"; exit 1; }

make --no-print-directory -s install B="${B:-build}" PREFIX=/usr DESTDIR="$stage" >/dev/null || fail "make install"
for f in usr/include/pidcycle.h usr/lib/libpidcycle.so.0 usr/lib/libpidcycle-preload.so \
	usr/lib/pkgconfig/pidcycle.pc usr/bin/pidcycle usr/share/man/man3/pidcycle_fork_at.3; do
	[ -e "$stage/$f" ] || fail "missing $f"
done
grep -q '^prefix=/usr$' "$stage/usr/lib/pkgconfig/pidcycle.pc" || fail "pidcycle.pc does not say prefix=/usr"

cat > "$stage/demo.c" <<'C'
#include <pidcycle.h>
#include <stdio.h>
int main(void)
{
	struct pidcycle_info i = { .sz = sizeof(i) };
	int r = pidcycle_probe(&i);

	printf("%d %d %s\n", r, i.pid_max > 300, pidcycle_strategy_name(i.auto_strategy));
	return r != 0;
}
C
export PKG_CONFIG_PATH="$stage/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage"
# shellcheck disable=SC2046 # pkg-config's words are meant to split
# A library built with SANITIZE=... needs its runtime in the program too.
cc ${SANITIZE:+-fsanitize=$SANITIZE} -o "$stage/demo" "$stage/demo.c" \
	$(pkg-config --cflags --libs pidcycle) || fail "cc with pkg-config"
out=$(LD_LIBRARY_PATH="$stage/usr/lib" "$stage/demo") || fail "demo exited non-zero: $out"
case "$out" in "0 1 "*) ;; *) fail "demo printed '$out'";; esac
LD_LIBRARY_PATH="$stage/usr/lib" ldd "$stage/demo" | grep -q "$stage/usr/lib/libpidcycle.so.0" ||
	fail "demo is not linked against the installed libpidcycle.so.0"

# `pidcycle run` finds the preload of a staged install: $DESTDIR$LIBDIR.
# (Whole commands run without LeakSanitizer, as in check-cli.)
export ASAN_OPTIONS=detect_leaks=0
if [ "$(id -u)" = 0 ] && "$stage/usr/bin/pidcycle" probe 2> /dev/null | grep -q '^run  *yes'; then
	# (An ASan-built preload needs the ASan runtime ahead of it.)
	asan=$(asan_runtime "$stage/usr/lib/libpidcycle-preload.so")
	pre=$(LD_PRELOAD=$asan unshare --pid --fork --mount-proc "$stage/usr/bin/pidcycle" run -- \
		sh -c 'echo "$LD_PRELOAD"')
	case "$pre" in *"$stage/usr/lib/libpidcycle-preload.so") ;;
	*) fail "run in the staged install preloads '$pre'";; esac
fi

make --no-print-directory -s uninstall B="${B:-build}" PREFIX=/usr DESTDIR="$stage" >/dev/null || fail "make uninstall"
left=$(find "$stage/usr" -type f | wc -l)
[ "$left" = 0 ] || fail "uninstall left $left files"
cd "$top"
echo "install: 1 passed, 0 failed"
