// Shell completion: the scripts `hangar completion bash|zsh` print ask `hangar __complete` for
// the candidates, which come from the program itself (its commands and the flags the path gives)
// and from the service tree (collection paths, actions).
import { Command } from 'commander';
import { completePath } from './tree-paths';
import { OUTPUTS } from './output';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** The hidden command the scripts call: `hangar __complete <index of the word> <words...>`. */
export const COMPLETE = '__complete';

export function completionScript(shell: Shell): string {
  if (shell === 'bash') {
    return `# hangar completion for bash: source <(hangar completion bash)
_hangar() {
  local IFS=$'\\n'
  COMPREPLY=($(hangar ${COMPLETE} "$COMP_CWORD" -- "\${COMP_WORDS[@]}" 2>/dev/null))
}
complete -o nospace -o default -F _hangar hangar
`;
  }
  return `#compdef hangar
# hangar completion for zsh: source <(hangar completion zsh)
_hangar() {
  local -a candidates
  candidates=("\${(@f)$(hangar ${COMPLETE} $((CURRENT - 1)) -- "\${words[@]}" 2>/dev/null)}")
  compadd -S '' -- \${candidates[@]}
}
compdef _hangar hangar
`;
}

/** Which commands take a tree path first, and which of them an action after it. */
export interface Completable {
  pathCommands: readonly string[];
  actionsAt(path: string): string[];
}

/**
 * The candidates for word `index` of `words` (`words[0]` is `hangar`); `program` is built for
 * these words, so it holds the flags their path gives.
 */
export function candidates(program: Command, words: readonly string[], index: number, c: Completable): string[] {
  const word = words[index] ?? '';
  const previous = words[index - 1];
  const cmd = program.commands.find((x) => x.name() === words[1]);
  const matching = (all: readonly string[]) => all.filter((x) => x.startsWith(word));
  if (index === 1) return matching(program.commands.map((x) => x.name()).filter((n) => n !== COMPLETE));
  if (previous === '-o' || previous === '--output') return matching(OUTPUTS);
  if (!cmd) return [];
  if (word.startsWith('-')) return matching(cmd.options.flatMap((o) => (o.long ? [`${o.long} `] : [])));
  if (cmd.name() === 'completion' && index === 2) return matching(SHELLS);
  if (!c.pathCommands.includes(cmd.name())) return [];
  const positional = words.slice(2, index).filter((w) => !w.startsWith('-'));
  if (positional.length === 0) return completePath(word);
  if (cmd.name() === 'do' && positional.length === 1) return matching(c.actionsAt(positional[0]));
  return [];
}
