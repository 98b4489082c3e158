#!/bin/bash
# packaging.sh - what an operator installs: every program answers --version;
# `make install` puts the daemons in sbin, mpbridge in bin and every other
# (generically named) program in libexec/mptunnel, a man page beside each
# program in bin and sbin; the man pages pass `mandoc -T lint`; the systemd
# units pass `systemd-analyze verify` (and a broken one does not); the bash
# completion loads.
. "$(dirname "$0")/../lib.sh"
t_init packaging
ver=$(cat "$ROOT/VERSION")

# --- --version ------------------------------------------------------------------
n=0
for p in "$BUILD"/*; do
	[ -f "$p" ] && [ -x "$p" ] || continue
	name=$(basename "$p")
	n=$((n + 1))
	out=$(timeout 5 "$p" --version 2>&1)
	t_expect "$name --version: '$name $ver' (got '$out')" [ "$out" = "$name $ver" ]
done
t_expect "programs found in $BUILD ($n)" [ "$n" -ge 8 ]
t_expect "debian/changelog's version is VERSION ($ver)" \
	grep -q "^mptunnel ($ver)" "$ROOT/debian/changelog"

# --- make install ----------------------------------------------------------------
P=$T/inst/usr
if make -C "$ROOT" -s BUILD="$BUILD" PREFIX="$P" install >"$T/install.log" 2>&1; then
	t_ok "make install PREFIX=..."
else
	t_fail "make install PREFIX=... ($(tail -n 3 "$T/install.log"))"
	t_done
fi
for p in mpclient mpserver mpctl; do
	t_expect "sbin/$p installed" test -x "$P/sbin/$p"
done
t_expect "bin/ holds mpbridge only ($(ls "$P/bin" | tr '\n' ' '))" [ "$(ls "$P/bin")" = mpbridge ]
for p in udpclient udpserver mpt-load mpt-refrelay mpt-nlstats; do
	t_expect "libexec/mptunnel/$p installed" test -x "$P/libexec/mptunnel/$p"
done
for p in "$P"/bin/* "$P"/sbin/*; do
	name=$(basename "$p")
	t_expect "a man page for $name" eval 'ls "$P"/share/man/man[18]/"$name".[18] >/dev/null 2>&1'
done
t_expect "mptunnel.conf(5) installed" test -f "$P/share/man/man5/mptunnel.conf.5"
t_expect "bridge profiles installed" test -f "$P/share/mptunnel/profiles/lossy-wifi"
t_expect "the installed mpbridge finds its profiles" \
	eval '"$P/bin/mpbridge" -n -l 1 -t 127.0.0.1:2 --profile lossy-wifi >/dev/null 2>&1'
t_expect "units point into the installed sbin" grep -q "^ExecStart=$P/sbin/mpclient " \
	"$P/lib/systemd/system/mpclient@.service"

# --- man pages -------------------------------------------------------------------
if command -v mandoc >/dev/null; then
	for m in "$ROOT"/dist/man/*.[1-8]; do
		out=$(mandoc -T lint -W warning "$m" 2>&1)
		t_expect "mandoc -T lint $(basename "$m"): clean${out:+ ($out)}" [ -z "$out" ]
	done
	printf '.Dd November 27, 2026\n.Dt BAD 1\n.Os\n.Sh NAME\n.Nm bad\n.Sh DESCRIPTION\n.Xr\n' >"$T/bad.1"
	t_expect "mandoc -T lint finds the faults of a bad page" \
		eval '[ -n "$(mandoc -T lint -W warning "$T/bad.1" 2>&1)" ]'
else
	t_fail "mandoc not installed (make deps installs it)"
fi

# --- systemd units ---------------------------------------------------------------
if command -v systemd-analyze >/dev/null; then
	U=$P/lib/systemd/system
	for u in mpclient mpserver; do
		out=$(MANPATH=$P/share/man systemd-analyze verify "$U/$u@test.service" 2>&1)
		t_expect "systemd-analyze verify $u@test.service${out:+ ($out)}" [ -z "$out" ]
	done
	mkdir -p "$T/badunit"
	sed "s|^ExecStart=$P/sbin/|ExecStart=$T/nowhere/|" "$U/mpclient@.service" >"$T/badunit/mpclient@.service"
	t_expect "systemd-analyze verify refuses a unit whose program is missing" \
		eval '! MANPATH=$P/share/man systemd-analyze verify "$T/badunit/mpclient@test.service" >/dev/null 2>&1'
	exposure=$(systemd-analyze security --offline=yes "$U/mpclient@test.service" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	t_expect "mpclient@ is hardened: exposure ${exposure:-?} <= 2.0" \
		awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 2.0) }'
else
	t_skip "systemd-analyze not installed: units not verified"
fi

# --- bash completion ----------------------------------------------------------------
C=$P/share/bash-completion/completions
t_expect "completion file is valid bash" bash -n "$C/mpclient"
for c in mpclient mpserver mpctl mpbridge; do
	t_expect "completion for $c installed" test -e "$C/$c"
done
t_expect "the completion registers all four programs" \
	bash -c '_init_completion() { :; }; . "$1" && complete -p mpclient mpserver mpctl mpbridge >/dev/null' _ "$C/mpclient"

# --- make uninstall ----------------------------------------------------------------
make -C "$ROOT" -s BUILD="$BUILD" PREFIX="$P" uninstall >"$T/uninstall.log" 2>&1
left=$(find "$P" -type f -o -type l | head -n 5)
t_expect "make uninstall leaves no file behind${left:+ ($left)}" [ -z "$left" ]
t_done
