#!/bin/sh
# Runs an OpenWrt procd init script outside OpenWrt: the config_* functions of /lib/functions.sh
# (re-implemented here over UCI files in $UCI_DIR, same semantics: lists joined by spaces,
# anonymous sections, config_get defaults, config_get_bool words), the rc.common start/stop entry
# points, and procd_* stubs that print each call as "procd <function> <args…>" on stdout.
#   harness.sh INIT_SCRIPT ACTION...     (ACTION: start_service, reload_service, service_triggers)
# Environment: UCI_DIR (the /etc/config stand-in); VARS="NAME=value …" overrides the init
# script's variables after it is sourced (PROG, GENERATED, STATE_DIR, NOTIFY).
# shellcheck disable=SC3043

init=$1
shift

# --- UCI ----------------------------------------------------------------------------------------
CONFIG_SECTIONS=
# UCI file → shell assignments: "sec <id> <type>", "opt <id> <name> <value>", "lst <id> <name> <value>".
uci_parse() {
	awk '
	function unq(s) {
		sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s)
		if (s ~ /^'\''.*'\''$/ || s ~ /^".*"$/) s = substr(s, 2, length(s) - 2)
		return s
	}
	{ sub(/^[ \t]+/, "") }
	/^#/ || /^$/ { next }
	{
		kw = $1; rest = $0; sub(/^[a-z]+[ \t]+/, "", rest)
		if (kw == "config") {
			type = $2; name = rest; sub(/^[^ \t]+[ \t]*/, "", name); name = unq(name)
			if (name == "") name = sprintf("cfg%02d", ++anon)
			sec = name; print "sec\t" sec "\t" unq(type)
		} else if (kw == "option" || kw == "list") {
			opt = $2; val = rest; sub(/^[^ \t]+[ \t]*/, "", val)
			print (kw == "option" ? "opt" : "lst") "\t" sec "\t" unq(opt) "\t" unq(val)
		}
	}' "$1"
}

# shellcheck disable=SC2034 # old and val are read through eval
config_load() {
	local file="$UCI_DIR/$1" kind sec name val old
	CONFIG_SECTIONS=
	[ -f "$file" ] || return 0
	# Tabs separate the fields; values keep their spaces.
	while IFS='	' read -r kind sec name val; do
		case $kind in
		sec)
			CONFIG_SECTIONS="$CONFIG_SECTIONS $sec"
			eval "CONFIG_${sec}_TYPE=\$name"
			;;
		opt) eval "CONFIG_${sec}_${name}=\$val" ;;
		lst)
			eval "old=\${CONFIG_${sec}_${name}}"
			eval "CONFIG_${sec}_${name}=\${old:+\$old }\$val"
			;;
		esac
	done <<UCI
$(uci_parse "$file")
UCI
}

# Locals named so they cannot shadow the caller's variable that $1 names.
config_get() {
	local __cg
	eval "__cg=\${CONFIG_${2}_${3}}"
	eval "$1=\${__cg:-\$4}"
}

config_get_bool() {
	local __cgb
	config_get __cgb "$2" "$3" "$4"
	case "$__cgb" in
	1 | on | true | yes | enabled) __cgb=1 ;;
	0 | off | false | no | disabled) __cgb=0 ;;
	*) __cgb=$4 ;;
	esac
	eval "$1=\$__cgb"
}

config_foreach() {
	local fn="$1" type="$2" sec t
	shift 2
	for sec in $CONFIG_SECTIONS; do
		eval "t=\${CONFIG_${sec}_TYPE}"
		[ "$t" = "$type" ] && "$fn" "$sec" "$@"
	done
}

config_list_foreach() {
	local sec="$1" opt="$2" fn="$3" items item
	shift 3
	config_get items "$sec" "$opt"
	for item in $items; do "$fn" "$item" "$@"; done
}

# --- procd and rc.common -----------------------------------------------------------------------
for f in procd_open_instance procd_set_param procd_append_param procd_close_instance \
	procd_add_reload_trigger procd_send_signal procd_open_trigger procd_close_trigger; do
	# "procd <function>" then the arguments, if any.
	eval "$f() { echo \"procd $f\${*:+ \$*}\"; }"
done
start() { echo "rc start"; start_service; }
stop() { echo "rc stop"; }

# shellcheck source=/dev/null
. "$init"
for v in $VARS; do eval "${v%%=*}=\${v#*=}"; done

for action in "$@"; do "$action" || exit $?; done
