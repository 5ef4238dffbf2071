// The completion scripts `bunker completion SHELL` prints. Each hands the words
// before the cursor and the word being completed to `PROG __complete`, which
// answers with candidates, one a line, and a last line ":files" when the shell
// should offer file names instead (a path, a container's command).

const bash = (prog: string) => `# bash completion for ${prog}. Load it with:  source <(${prog} completion bash)
# or save it as /etc/bash_completion.d/${prog}.
_${prog}_complete() {
  # The words up to the cursor, split at blanks only: bash's own COMP_WORDS are split at ':' and '=' too.
  local line=\${COMP_LINE:0:COMP_POINT} words
  read -ra words <<<"$line"
  [[ $line =~ [[:space:]]$ ]] && words+=("")
  local cur=\${words[\${#words[@]}-1]} IFS=$'\\n'
  COMPREPLY=($("\${words[0]}" __complete "\${words[@]:1}" 2>/dev/null))
  local n=\${#COMPREPLY[@]}
  if ((n > 0)) && [[ \${COMPREPLY[n-1]} == :files ]]; then
    COMPREPLY=()
    compopt -o default 2>/dev/null
    return 0
  fi
  # bash completes only what follows the last ':' of the word (busybox:lat): reply with that part.
  if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
    local prefix=\${cur%"\${cur##*:}"} i
    for i in "\${!COMPREPLY[@]}"; do COMPREPLY[i]=\${COMPREPLY[i]#"$prefix"}; done
  fi
  return 0
}
complete -F _${prog}_complete ${prog}
`;

const zsh = (prog: string) => `#compdef ${prog}
# zsh completion for ${prog}. Load it with:  source <(${prog} completion zsh)
# or save it as _${prog} in a directory of $fpath.
_${prog}_complete() {
  local -a candidates
  candidates=("\${(@f)$(\${words[1]} __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ \${candidates[-1]} == :files ]]; then
    _files
    return
  fi
  candidates=(\${candidates:#})
  (( \${#candidates} )) && compadd -Q -- "\${candidates[@]}"
}
if (( ! \${+functions[compdef]} )); then
  autoload -Uz compinit && compinit -i # -i: skip insecure directories rather than ask
fi
compdef _${prog}_complete ${prog}
`;

const fish = (prog: string) => `# fish completion for ${prog}. Load it with:  ${prog} completion fish | source
# or save it as ~/.config/fish/completions/${prog}.fish.
function __${prog}_complete
    set -l words (commandline -opc)
    set -l answer ($words[1] __complete $words[2..-1] (commandline -ct) 2>/dev/null)
    if test "$answer[-1]" = ":files"
        __fish_complete_path (commandline -ct)
    else
        printf '%s\\n' $answer
    end
end
complete -c ${prog} -f -a '(__${prog}_complete)'
`;

export const SCRIPTS: Record<string, (prog: string) => string> = { bash, zsh, fish };
