import { createInterface } from 'node:readline/promises';
import { z } from 'zod';
import { applyAnnotation, type Annotation, annotate, describeDropped, describeMarker } from '../../annotate/annotate.ts';
import { describeAblations, readSessionAblations } from '../../annotate/from-session.ts';
import { loadSandbox, type Sandbox } from '../../config/load.ts';
import { UserError } from '../../errors.ts';
import { assertWritable, writeFile } from '../../output-file.ts';
import { DEFAULT_MODEL } from '../../proposers/claude/model.ts';
import { colourDiff } from '../../query/diff-colour.ts';
import { stdoutSink } from '../../query/output.ts';
import { parseCommand } from '../args.ts';
import { sessionFlag } from '../query-flags.ts';

const USAGE = `usage: nightshift annotate [flags]

Claude reads the sandbox's editable files and proposes new @ablate/@knob markers for the
components and settings nobody has marked, each with a one-line reason. Each marker is appended
to its line in the file's comment syntax and must parse there with the marker parser, on a line
holding a literal the planner can edit; one that does not is dropped, with why.

On a terminal the diff is shown and applied if you answer y. Piped, without --yes or --out, the
diff is printed and nothing changes.

With --from-session, the markers are for the parts Claude ablated in code during a session
(proposals that carried an ablation spec) that were kept or had a significant effect, so the
planner can measure them over seeds and in pairs.

  --sandbox DIR    the sandbox to annotate (default: sandbox; with --from-session, the session's)
  --yes            apply the markers without asking
  --out FILE       write the diff to FILE (apply it later with: patch -d DIR -p1 < FILE)
  --model ID       the Claude model (default: ${DEFAULT_MODEL})
  --from-session   markers for a session's ablations by Claude (the latest session of the log)
  --session ID     that session instead of the latest
  --db FILE        the log holding it (default: experiments.db)

Needs ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL for another endpoint).`;

const spec = {
  name: 'annotate',
  usage: USAGE,
  options: {
    sandbox: { type: 'string' },
    yes: { type: 'boolean' },
    out: { type: 'string' },
    model: { type: 'string' },
    'from-session': { type: 'boolean' },
    session: { type: 'string' },
    db: { type: 'string' },
  },
  schema: z
    .object({
      sandbox: z.string().min(1, '--sandbox must name a folder').optional(),
      yes: z.boolean().default(false),
      out: z.string().min(1, '--out must name a file').optional(),
      model: z.string().min(1, '--model must name a model').default(DEFAULT_MODEL),
      'from-session': z.boolean().default(false),
      session: sessionFlag,
      db: z.string().min(1, '--db must name a file').optional(),
    })
    .refine((f) => f['from-session'] || (f.session === undefined && f.db === undefined), { message: '--session and --db go with --from-session' }),
} as const;

export type AnnotateFlags = { yes: boolean; out?: string | undefined };

export async function annotateCommand(argv: string[]): Promise<number> {
  const flags = parseCommand(spec, argv);
  if (flags === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!process.env.ANTHROPIC_API_KEY) throw new UserError('annotate needs Claude: set ANTHROPIC_API_KEY in the environment');
  const io = consoleIo();
  const from = flags['from-session'] ? readSessionAblations(flags.db ?? 'experiments.db', flags.session) : null;
  if (from?.ablations.length === 0) {
    io.note(`session ${from.session.id} has no ablation by Claude that was kept or significant: nothing to annotate`);
    return 0;
  }
  const sandbox = loadSandbox(flags.sandbox ?? from?.session.sandbox ?? 'sandbox');
  if (flags.out !== undefined) assertWritable(flags.out);
  // The SDK loads only once the flags, key and sandbox are known to be good.
  const { connectClaude, DEFAULT_SETTINGS } = await import('../../proposers/claude/client.ts');
  // connectClaude's warnings speak of a session's fallback to the planner, which annotate has not:
  // an unreachable API fails the request below, in one line, instead.
  const { api } = await connectClaude(process.env, { ...DEFAULT_SETTINGS, model: flags.model });
  if (from) io.note(`session ${from.session.id}: markers for ${from.ablations.map((a) => `#${a.row.id} (${a.spec.part})`).join(', ')}`);
  const annotation = await annotate(api, sandbox, from ? describeAblations(from.session.id, from.session.metric, from.ablations) : undefined);
  await deliver(sandbox, annotation, flags, io);
  return 0;
}

/** Where deliver speaks: stdout (the diff, alone when piped), stderr (notes), and a terminal to ask on, if any. */
export interface AnnotateIo {
  say(text: string): void;
  note(line: string): void;
  paint: Parameters<typeof colourDiff>[1];
  /** Null when stdin or stdout is not a terminal. */
  ask: ((question: string) => Promise<string>) | null;
}

/** What happens to checked markers: written to --out, applied with --yes or a y on a terminal, or printed for a pipe. */
export async function deliver(sandbox: Sandbox, annotation: Annotation, flags: AnnotateFlags, io: AnnotateIo): Promise<void> {
  for (const dropped of annotation.dropped) io.note(describeDropped(dropped));
  const count = annotation.edits.length;
  if (count === 0) {
    io.note('no new marker to propose: nothing changed');
    return;
  }
  const markers = `${count} new marker${count === 1 ? '' : 's'}`;
  const apply = () => {
    applyAnnotation(sandbox, annotation);
    io.say(`applied ${markers} to ${sandbox.dir}:\n${annotation.edits.map((e) => `  ${describeMarker(e.proposal)}`).join('\n')}\n`);
  };
  if (flags.out !== undefined) {
    writeFile(flags.out, annotation.diff);
    io.note(`wrote the diff of ${markers} to ${flags.out}${flags.yes ? '' : ` (apply it with: patch -d ${sandbox.dir} -p1 < ${flags.out})`}`);
  }
  if (flags.yes) return apply();
  if (flags.out !== undefined) return;
  if (io.ask === null) {
    io.say(annotation.diff);
    io.note(`${markers} proposed; nothing changed (--yes applies them, --out FILE writes the diff)`);
    return;
  }
  io.say(colourDiff(annotation.diff, io.paint));
  const answer = await io.ask(`apply these ${markers} to ${sandbox.dir}? [y/N] `);
  if (/^y(es)?$/i.test(answer.trim())) apply();
  else io.say('nothing changed\n');
}

function consoleIo(): AnnotateIo {
  const sink = stdoutSink();
  const terminal = sink.terminal && process.stdin.isTTY === true;
  return {
    say: (text) => sink.write(text),
    note: (line) => void process.stderr.write(`${line}\n`),
    paint: sink.render.paint,
    ask: terminal ? ask : null,
  };
}

async function ask(question: string): Promise<string> {
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await terminal.question(question);
  } finally {
    terminal.close();
  }
}
