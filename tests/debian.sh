#!/bin/bash
# tests/debian.sh - the Debian packages (CI step, a few minutes: not in make test).
# Builds mptunnel and mptunnel-tools with `dpkg-buildpackage -us -uc -b` from a
# copy of the tree (no tests inside: DEB_BUILD_OPTIONS=nocheck; no -dbgsym packages:
# noautodbgsym), installs them into an empty root with `dpkg --root`, runs what was
# installed, and runs lintian (no errors allowed).
. "$(dirname "$0")/lib.sh"
t_init debian
for c in dpkg-buildpackage dh lintian; do t_need_cmd "$c" "make deps installs it"; done
ver=$(cat "$ROOT/VERSION")

SRC=$T/src/mptunnel-$ver
mkdir -p "$SRC"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | tar -cf - --null -T -) |
	tar -xf - -C "$SRC"
if (cd "$SRC" && DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=2" dpkg-buildpackage -us -uc -b) \
	>"$T/build.log" 2>&1; then
	t_ok "dpkg-buildpackage -us -uc -b"
else
	t_fail "dpkg-buildpackage -us -uc -b: $(tail -n 15 "$T/build.log")"
	t_done
fi
arch=$(dpkg --print-architecture)
DEB=$T/src/mptunnel_${ver}_$arch.deb
TOOLS=$T/src/mptunnel-tools_${ver}_$arch.deb
t_expect "mptunnel_${ver}_$arch.deb built" test -s "$DEB"
t_expect "mptunnel-tools_${ver}_$arch.deb built" test -s "$TOOLS"

# what each package holds
dpkg-deb -c "$DEB" | awk '{ print $6 }' >"$T/main.list"
dpkg-deb -c "$TOOLS" | awk '{ print $6 }' >"$T/tools.list"
for f in usr/sbin/mpclient usr/sbin/mpserver usr/sbin/mpctl usr/bin/mpbridge \
	usr/share/man/man8/mpclient.8.gz usr/share/man/man8/mpserver.8.gz \
	usr/share/man/man8/mpctl.8.gz usr/share/man/man1/mpbridge.1.gz \
	usr/share/man/man5/mptunnel.conf.5.gz lib/systemd/system/mpclient@.service \
	lib/systemd/system/mpserver@.service usr/share/bash-completion/completions/mpclient \
	usr/share/mptunnel/profiles/lossy-wifi; do
	t_expect "mptunnel holds /$f" grep -qx "\./$f" "$T/main.list"
done
for f in udpclient udpserver mpt-load mpt-refrelay mpt-nlstats; do
	t_expect "mptunnel-tools holds /usr/libexec/mptunnel/$f" \
		grep -qx "\./usr/libexec/mptunnel/$f" "$T/tools.list"
done
t_expect "nothing generically named in /usr/bin" \
	eval '! grep -E "^\./usr/bin/." "$T/main.list" "$T/tools.list" | grep -v "/usr/bin/mpbridge$" | grep -q .'

# into an empty root
R=$T/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
touch "$R/var/lib/dpkg/status"
if dpkg --root="$R" --force-depends --force-not-root -i "$DEB" "$TOOLS" >"$T/dpkg.log" 2>&1; then
	t_ok "dpkg --root -i installs both packages into an empty root"
else
	t_fail "dpkg --root -i: $(tail -n 5 "$T/dpkg.log")"
fi
t_expect "dpkg lists both as installed" \
	eval '[ "$(dpkg --root="$R" -l mptunnel mptunnel-tools 2>/dev/null | grep -c "^ii")" = 2 ]'
t_expect "the installed mpclient runs: $("$R/usr/sbin/mpclient" --version 2>&1)" \
	[ "$("$R/usr/sbin/mpclient" --version 2>&1)" = "mpclient $ver" ]
t_expect "the installed udpclient runs from libexec" \
	[ "$("$R/usr/libexec/mptunnel/udpclient" --version 2>&1)" = "udpclient $ver" ]

# lintian: no errors (warnings are printed, not failed)
lintian --fail-on error --tag-display-limit 0 "$T"/src/*.changes >"$T/lintian.log" 2>&1
rc=$?
sed 's/^/#   /' "$T/lintian.log"
t_expect "lintian: no errors ($(grep -c '^E:' "$T/lintian.log") errors, $(grep -c '^W:' "$T/lintian.log") warnings)" [ "$rc" = 0 ]
t_done
