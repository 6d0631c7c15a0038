# fish completion for vigil(8). Install as /usr/share/fish/vendor_completions.d/vigil.fish.
# Options follow `vigil <command> --help`.

set -l commands run check convert status demo version

complete -c vigil -f
complete -c vigil -n "not __fish_seen_subcommand_from $commands" -s h -l help -d 'Show help'
complete -c vigil -n "not __fish_seen_subcommand_from $commands" -s V -l version -d 'Print version'
complete -c vigil -n "not __fish_seen_subcommand_from $commands" -a run -d 'Run the VRRP daemon'
complete -c vigil -n "not __fish_seen_subcommand_from $commands" -a check -d 'Validate the config, print file:line:col per problem'
complete -c vigil -n "not __fish_seen_subcommand_from $commands" -a convert -d 'keepalived.conf to vigil TOML, or back'
complete -c vigil -n "not __fish_seen_subcommand_from $commands" -a status -d "State of a running daemon's instances"
complete -c vigil -n "not __fish_seen_subcommand_from $commands" -a demo -d 'Failover in a private namespace lab (root)'
complete -c vigil -n "not __fish_seen_subcommand_from $commands" -a version -d 'Print version, commit and target'

# run
complete -c vigil -n '__fish_seen_subcommand_from run check' -s c -s f -l config -l use-file -r -F -d 'keepalived.conf or vigil TOML'
complete -c vigil -n '__fish_seen_subcommand_from run check convert' -l config-id -x -d 'keepalived config id for @ID lines'
complete -c vigil -n '__fish_seen_subcommand_from run' -l http -x -d '/health /status /metrics listen address, "" disables'
complete -c vigil -n '__fish_seen_subcommand_from run' -l log-level -x -a 'debug info warn error' -d 'Log level'
complete -c vigil -n '__fish_seen_subcommand_from run' -l log-format -x -a 'text json' -d 'Log format'
complete -c vigil -n '__fish_seen_subcommand_from run' -l state-dir -x -a '(__fish_complete_directories)' -d 'Where vigil records the VIPs it added'
complete -c vigil -n '__fish_seen_subcommand_from run' -l realtime-priority -x -d 'SCHED_RR priority 1-99, 0 disables'

# check
complete -c vigil -n '__fish_seen_subcommand_from check' -l strict -d 'Warnings about ignored parts are errors'
complete -c vigil -n '__fish_seen_subcommand_from check' -s i -x -d 'keepalived config id for @ID lines'
complete -c vigil -n '__fish_seen_subcommand_from check' -s t -l config-test -d 'Accepted for keepalived habits'
complete -c vigil -n '__fish_seen_subcommand_from check' -F

# convert
complete -c vigil -n '__fish_seen_subcommand_from convert' -l to -x -a 'toml keepalived' -d 'Output format'
complete -c vigil -n '__fish_seen_subcommand_from convert' -l keywords -d 'Print every keyword vigil knows'
complete -c vigil -n '__fish_seen_subcommand_from convert' -F

# status
complete -c vigil -n '__fish_seen_subcommand_from status' -l url -x -a 'http://127.0.0.1:9650' -d "Base URL of the daemon's HTTP server"
complete -c vigil -n '__fish_seen_subcommand_from status' -l json -d 'Print the /status document as JSON'

# demo
complete -c vigil -n '__fish_seen_subcommand_from demo' -l keep -d 'Leave the lab running until Ctrl-C'

complete -c vigil -n "__fish_seen_subcommand_from $commands" -s h -l help -d 'Show help'
