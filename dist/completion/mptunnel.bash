# bash completion for mpclient, mpserver, mpctl and mpbridge (mptunnel)

_mptunnel_opts() {
	# the long options a program's --help lists
	"$1" --help 2>&1 | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

_mptunnel() {
	local cur prev words cword
	_init_completion || return
	case $prev in
	--config | -c | --stats | --key-file | --pcap | --decision-log | --timeline)
		_filedir
		return ;;
	--listen | -l | --target | -t | --to | --bridge | -b | --source | --path)
		return ;;
	--dir)
		COMPREPLY=($(compgen -W 'c2s s2c both' -- "$cur"))
		return ;;
	--profile)
		local d dirs=("${MPBRIDGE_PROFILES:-}" /usr/share/mptunnel/profiles /usr/local/share/mptunnel/profiles)
		for d in "${dirs[@]}"; do
			[ -n "$d" ] && [ -d "$d" ] && COMPREPLY+=($(compgen -W "$(ls "$d")" -- "$cur"))
		done
		return ;;
	--socket | -s)
		if [ "$1" = mpctl ]; then
			_filedir
			return
		fi ;;
	esac
	if [ "$1" = mpctl ] && [ "$cword" -ge 1 ]; then
		local i have_cmd=
		for ((i = 1; i < cword; i++)); do
			case ${words[i]} in show | metrics | watch | reload | list) have_cmd=1 ;; esac
		done
		if [ -z "$have_cmd" ] && [[ $cur != -* ]]; then
			COMPREPLY=($(compgen -W 'show metrics watch reload list' -- "$cur"))
			return
		fi
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_mptunnel_opts "$1")" -- "$cur"))
		return
	fi
	case $1 in mpclient) _filedir ;; esac
}
complete -F _mptunnel mpclient mpserver mpctl mpbridge
