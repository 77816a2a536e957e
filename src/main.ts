#!/usr/bin/env node
// The composition root and the `lynq` command line: the only place that reads configuration and wires effects.

import { operatorCommand } from './cli/operator.command.js';
import { renderCommand } from './cli/render.command.js';

/** A subcommand: receives its own arguments, resolves to the process exit code. */
type Command = (args: readonly string[]) => Promise<number>;

const commands: Readonly<Record<string, Command>> = {
  operator: operatorCommand,
  render: renderCommand,
};

const usage = `usage: lynq <command> [options]
commands: ${Object.keys(commands).join(', ') || '(none yet)'}`;

const main = async (argv: readonly string[]): Promise<number> => {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : commands[name];
  if (command === undefined) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  return command(rest);
};

process.exitCode = await main(process.argv.slice(2));
