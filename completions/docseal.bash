# bash completion for docseal. Commands and options are read from the tool's
# own --help output, so the completion never drifts from the option tables.
_docseal()
{
    local cur prev words cword
    _init_completion 2>/dev/null || {
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    }
    local i cmd=""
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
        -C | --vault) ((i++)) ;;
        -*) ;;
        *) cmd=${words[i]}; break ;;
        esac
    done
    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "-C --vault --color --quiet --verbose --version --help" -- "$cur"))
        elif [[ $prev == -C || $prev == --vault ]]; then
            COMPREPLY=($(compgen -d -- "$cur"))
        else
            local cmds
            cmds=$(docseal --help 2>/dev/null | awk '/^Commands:/{f=1;next} f&&/^  [a-z]/{print $1} f&&/^$/{f=0}')
            COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
        fi
        return
    fi
    if [[ $cur == -* ]]; then
        local opts
        opts=$(docseal "$cmd" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    COMPREPLY=($(compgen -f -- "$cur"))
}
complete -F _docseal docseal
