#!/usr/bin/env node
// The composition root and the `lynq` command line: the only place that reads configuration and wires effects.

import { readFileSync } from 'node:fs';
import { hubCommand } from './cli/hub.command.js';
import { operatorCommand } from './cli/operator.command.js';
import { renderCommand } from './cli/render.command.js';

/** A subcommand: receives its own arguments, resolves to the process exit code. */
type Command = (args: readonly string[]) => Promise<number>;

const commands: Readonly<Record<string, Command>> = {
  hub: hubCommand,
  operator: operatorCommand,
  // Loaded when used: the operator and --version do not pay for mermaid, the page, the exports.
  inspect: async (args) => (await import('./cli/inspect.command.js')).inspectCommand(args),
  dashboard: async (args) => (await import('./cli/dashboard.command.js')).dashboardCommand(args),
  render: renderCommand,
};

const usage = `usage: lynq <command> [options]
commands: ${Object.keys(commands).join(', ') || '(none yet)'}`;

/** The package version, read from the package.json that ships beside `dist/` (also in the image). */
const version = (): string => {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const parsed: unknown = JSON.parse(text);
  const value =
    typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)['version']
      : undefined;
  return typeof value === 'string' ? value : 'unknown';
};

const main = async (argv: readonly string[]): Promise<number> => {
  const [name, ...rest] = argv;
  if (name === '--version') {
    process.stdout.write(`lynq ${version()}\n`);
    return 0;
  }
  if (name === '--help' || name === '-h') {
    process.stdout.write(`${usage}\nrun 'lynq <command> --help' for a command's options\n`);
    return 0;
  }
  const command = name === undefined ? undefined : commands[name];
  if (command === undefined) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  return command(rest);
};

process.exitCode = await main(process.argv.slice(2));
