#!/usr/bin/env node
import { UserError } from '../errors.ts';
import { runCommand } from './commands/run.ts';
import { logCommand } from './commands/log.ts';
import { sqlCommand } from './commands/sql.ts';
import { showCommand } from './commands/show.ts';
import { watchCommand } from './commands/watch.ts';
import { reportCommand } from './commands/report.ts';
import { exportCommand } from './commands/export.ts';

const COMMANDS: Record<string, { summary: string; run: (argv: string[]) => Promise<number> }> = {
  run: { summary: 'run the experiment loop on a sandbox (the default command)', run: runCommand },
  watch: { summary: 'the live dashboard of the session running on a log', run: watchCommand },
  log: { summary: 'the experiments of a session, filtered and sorted', run: logCommand },
  show: { summary: 'one experiment: diff, runs, decision, step metrics, log tail', run: showCommand },
  sql: { summary: 'a read-only SQL query over the log', run: sqlCommand },
  report: { summary: 'the session as Markdown or JSON, with a progress chart', run: reportCommand },
  export: { summary: 'the log as csv/tsv/json/jsonl, autoresearch results.tsv, or the kept changes as a patch', run: exportCommand },
};

function help(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return [
    'nightshift: an autonomous experiment agent for one GPU',
    '',
    'usage: nightshift <command> [flags]    (no command = run)',
    '',
    'commands:',
    ...lines,
    '',
    "'nightshift <command> --help' shows a command's flags.",
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(help() + '\n');
    return 0;
  }
  if (first === undefined || first.startsWith('-')) return runCommand(argv);
  const command = COMMANDS[first];
  if (!command) throw new UserError(`unknown command '${first}' (see 'nightshift --help')`);
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UserError) process.stderr.write(`nightshift: ${error.message}\n`);
    else process.stderr.write(`nightshift: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = error instanceof UserError ? 2 : 1;
  },
);
