#!/usr/bin/env node
// The composition root and the `lynq` command line: the only place that reads configuration and wires effects.

import { readFileSync } from 'node:fs';

/** A subcommand: receives its own arguments, resolves to the process exit code. */
type Command = (args: readonly string[]) => Promise<number>;

// Each command is loaded when used: the operator does not pay for the Kubernetes client library
// and the template engine that `render` loads, nor for mermaid and the page `inspect` loads.
const commands: Readonly<Record<string, Command>> = {
  hub: async (args) => (await import('./cli/hub.command.js')).hubCommand(args),
  operator: async (args) => (await import('./cli/operator.command.js')).operatorCommand(args),
  inspect: async (args) => (await import('./cli/inspect.command.js')).inspectCommand(args),
  dashboard: async (args) => (await import('./cli/dashboard.command.js')).dashboardCommand(args),
  render: async (args) => (await import('./cli/render.command.js')).renderCommand(args),
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
