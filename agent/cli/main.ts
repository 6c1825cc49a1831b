#!/usr/bin/env node
import { describeEnvironmentFailure, UserError } from '../errors.ts';
import { handedSecrets, mustHandOff, runWithoutSecrets } from './secret-handoff.ts';

// Read (and the fd closed) first thing, before anything could start a child that inherits it.
handedSecrets();

// Each command loads its modules on demand: a query need not load the loop, nor a run the UI.
const runCommand = async (argv: string[]) => (await import('./commands/run.ts')).runCommand(argv);

const COMMANDS: Record<string, { summary: string; run: (argv: string[]) => Promise<number> }> = {
  run: { summary: 'run the experiment loop on a sandbox (the default command)', run: runCommand },
  watch: { summary: 'the live dashboard of the session running on a log', run: async (argv) => (await import('./commands/watch.ts')).watchCommand(argv) },
  log: { summary: 'the experiments of a session, filtered and sorted', run: async (argv) => (await import('./commands/log.ts')).logCommand(argv) },
  show: {
    summary: 'one experiment: diff, runs, decision, step metrics, log tail',
    run: async (argv) => (await import('./commands/show.ts')).showCommand(argv),
  },
  sql: { summary: 'a read-only SQL query over the log', run: async (argv) => (await import('./commands/sql.ts')).sqlCommand(argv) },
  report: {
    summary: 'the session as Markdown, JSON or one self-contained HTML page, with a progress chart',
    run: async (argv) => (await import('./commands/report.ts')).reportCommand(argv),
  },
  compare: {
    summary: 'experiments side by side: decisions, metrics, facts, their diff, curves overlaid',
    run: async (argv) => (await import('./commands/compare.ts')).compareCommand(argv),
  },
  rerun: {
    summary: 're-measure a logged experiment on fresh seeds and say whether it agrees with the log',
    run: async (argv) => (await import('./commands/rerun.ts')).rerunCommand(argv),
  },
  init: { summary: 'a new sandbox from a template (tfjs or torch)', run: async (argv) => (await import('./commands/init.ts')).initCommand(argv) },
  adopt: {
    summary: 'nightshift.json for an existing training script, then two short check runs that say what it lacks',
    run: async (argv) => (await import('./commands/adopt.ts')).adoptCommand(argv),
  },
  annotate: {
    summary: 'Claude proposes new @ablate/@knob markers for unmarked components, as a diff to accept or not',
    run: async (argv) => (await import('./commands/annotate.ts')).annotateCommand(argv),
  },
  export: {
    summary: 'the log as csv/tsv/json/jsonl, autoresearch results.tsv, or the kept changes as a patch',
    run: async (argv) => (await import('./commands/export.ts')).exportCommand(argv),
  },
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
    process.stdout.write(`${help()}\n`);
    return 0;
  }
  const isRun = first === undefined || first.startsWith('-') || first === 'run';
  // A run's scripts must find no key in any environment of the agent's (secret-handoff.ts); a rerun's too.
  if ((isRun || first === 'rerun') && mustHandOff()) return runWithoutSecrets(argv);
  if (first === undefined || first.startsWith('-')) return runCommand(argv);
  const command = COMMANDS[first];
  if (!command) throw new UserError(`unknown command '${first}' (see 'nightshift --help')`);
  return command.run(rest);
}

/** A log that opened but proved damaged while being read: one sentence, not SQLite's stack. */
async function damagedLog(error: unknown): Promise<string | null> {
  if ((error as { name?: unknown } | null)?.name !== 'SqliteError') return null;
  return (await import('../store/db.ts')).describeDamagedLog(error);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (error: unknown) => {
    const environment = describeEnvironmentFailure(error) ?? (await damagedLog(error));
    if (error instanceof UserError) process.stderr.write(`nightshift: ${error.message}\n`);
    else if (environment) process.stderr.write(`nightshift: ${environment}\n`);
    else process.stderr.write(`nightshift: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = error instanceof UserError ? 2 : 1;
  },
);
