# bash completion for vigil(8). Install as /usr/share/bash-completion/completions/vigil.
# Options follow `vigil <command> --help`.

_vigil() {
    local cur prev words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi

    local commands="run check convert status demo version help"
    local cmd="" i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            -*) ;;
            *) cmd=${words[i]}; break ;;
        esac
    done

    # Values of options that take one.
    case $prev in
        --config|-c|-f|--use-file)
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            return ;;
        --state-dir)
            mapfile -t COMPREPLY < <(compgen -d -- "$cur")
            return ;;
        --log-level)
            mapfile -t COMPREPLY < <(compgen -W "debug info warn error" -- "$cur")
            return ;;
        --log-format)
            mapfile -t COMPREPLY < <(compgen -W "text json" -- "$cur")
            return ;;
        --to)
            mapfile -t COMPREPLY < <(compgen -W "toml keepalived" -- "$cur")
            return ;;
        --url)
            mapfile -t COMPREPLY < <(compgen -W "http://127.0.0.1:9650" -- "$cur")
            return ;;
        --http|--config-id|-i|--realtime-priority)
            return ;;
    esac

    local opts
    case $cmd in
        "")
            mapfile -t COMPREPLY < <(compgen -W "$commands --help --version" -- "$cur")
            return ;;
        run) opts="--config -c -f --use-file --config-id --http --log-level --log-format --state-dir --realtime-priority --help" ;;
        check) opts="--config -c -f --use-file --strict --config-id -i --config-test -t --help" ;;
        convert) opts="--to --config-id --keywords --help" ;;
        status) opts="--url --json --help" ;;
        demo) opts="--keep --help" ;;
        *) opts="--help" ;;
    esac
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
    elif [[ $cmd == convert || $cmd == check ]]; then
        # convert FILE, check [PATH]
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
}
complete -F _vigil vigil
