// Strict flags for the user commands (inspect, dashboard): one table gives parsing, defaults and `--help`, like operator-flags.
import { parseArgs } from 'node:util';

export interface CommandFlag {
  readonly name: string;
  readonly about: string;
  /** Shown in `--help`; absent = no default. */
  readonly fallback?: string;
  /** Allowed values, checked while parsing. */
  readonly choices?: readonly string[];
}

export type ParsedCommand =
  | { readonly type: 'help' }
  | {
      readonly type: 'run';
      readonly values: Readonly<Record<string, string | undefined>>;
      readonly positionals: readonly string[];
    }
  | { readonly type: 'usage-error'; readonly message: string };

/** `usage` and every flag with its meaning and default, as `lynq operator --help` shows them. */
export const commandHelp = (usage: string, about: string, flags: readonly CommandFlag[]): string =>
  [
    `usage: ${usage}`,
    '',
    about,
    '',
    ...flags.map(
      (f) =>
        `  --${f.name} <value>\n      ${f.about}${f.choices === undefined ? '' : ` (${f.choices.join('|')})`}${f.fallback === undefined ? '' : ` (default ${f.fallback})`}`,
    ),
    '  --help\n      this text',
    '',
  ].join('\n');

/**
 * Parses `args` strictly: an unknown flag, a flag without its value, a value outside `choices`
 * or more positionals than `maxPositionals` is a usage error naming it. Never throws.
 */
export const parseCommand = (
  command: string,
  flags: readonly CommandFlag[],
  args: readonly string[],
  maxPositionals: number,
): ParsedCommand => {
  if (args.includes('--help') || args.includes('-h')) return { type: 'help' };
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: Object.fromEntries(flags.map((f) => [f.name, { type: 'string' as const }])),
      strict: true,
      allowPositionals: true,
    });
    const strings: Record<string, string | undefined> = {};
    for (const f of flags) {
      const value = values[f.name];
      if (typeof value !== 'string') continue;
      if (value === '' || value.startsWith('--')) {
        throw new Error(`flag --${f.name} needs a value`);
      }
      if (f.choices !== undefined && !f.choices.includes(value)) {
        throw new Error(`flag --${f.name}: "${value}" is not one of ${f.choices.join(', ')}`);
      }
      strings[f.name] = value;
    }
    if (positionals.length > maxPositionals) {
      throw new Error(`unexpected argument "${positionals[maxPositionals] ?? ''}"`);
    }
    return { type: 'run', values: strings, positionals };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      type: 'usage-error',
      message: `${command}: ${message.replace(/\. To specify a positional argument.*$/s, '')} (see lynq ${command} --help)`,
    };
  }
};
