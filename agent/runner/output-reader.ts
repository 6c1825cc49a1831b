/**
 * What the agent makes of a run's output lines, whichever way they reach it (the child's pipes in
 * run-training.ts, the run folder's output.log in tail-output.ts): each line goes to the log, @ns
 * lines are parsed (steps passed on up to a cap, final lines counted, the last kept), malformed
 * ones noted, and the last lines of text kept to name a crash. Under the autoresearch protocol
 * its summary block is a final line too (summary-block.ts).
 */
import type { Protocol } from '../config/load.ts';
import { parseLine } from './protocol.ts';
import { summaryBlocks } from './summary-block.ts';
import type { StepMetrics } from '../store/metrics.ts';

// Longer than any log or @ns line; cutting there keeps an endless line from growing the agent.
export const LINE_CAP = 2 ** 20;
const TAIL_LINES = 20;
const DEFAULT_STEP_ROWS = 100_000;

export interface OutputOptions {
  /** Receives each line (with its newline) and nightshift's notes about the output. */
  log: (text: string) => void;
  onStep?: (step: StepMetrics) => void;
  /** Step lines passed to onStep; later ones are parsed, not forwarded (default 100,000). */
  maxStepRows?: number;
  /** The line cap the lines were cut at, named in the note about a cut line. */
  lineCap?: number;
  /** How the script reports its final facts (default: `ns` lines only). */
  protocol?: Protocol;
}

/** What the output said, once read. */
export interface OutputSummary {
  /** The last final line, and how many there were (more than one breaks a rule of the measurement). */
  final: Record<string, unknown> | null;
  finalLines: number;
  invalidLines: number;
  /** Output lines cut at the line cap. */
  cutLines: number;
  /** Step lines past maxStepRows, not passed to onStep. */
  stepsDropped: number;
  /** The last non-empty lines of text, oldest first: where a crash is named. */
  tail: string[];
  /** Lines read, of every kind, on either stream. */
  lines: number;
}

export interface OutputReader {
  /** One line; `parse` says whether @ns lines count in it (stdout does, stderr does not). */
  line(line: string, cut: boolean, parse: boolean): void;
  summary(): OutputSummary;
}

export function outputReader(options: OutputOptions): OutputReader {
  const { log, onStep } = options;
  const stepCap = options.maxStepRows ?? DEFAULT_STEP_ROWS;
  const lineCap = options.lineCap ?? LINE_CAP;
  let final: Record<string, unknown> | null = null;
  let finalLines = 0;
  let invalidLines = 0;
  let cutLines = 0;
  let steps = 0;
  let lines = 0;
  const tail: string[] = [];
  const blocks = options.protocol === 'autoresearch' ? summaryBlocks() : null;
  const finalSeen = (fields: Record<string, unknown> | null) => {
    if (fields === null) return;
    finalLines++;
    final = fields;
  };
  const keepTail = (line: string) => {
    if (line.trim() === '') return;
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
  };

  return {
    line(line, cut, parse) {
      lines++;
      log(`${line}\n`);
      if (cut && cutLines++ === 0) log(`[nightshift] a line of over ${lineCap} bytes was cut; the rest of it was dropped\n`);
      if (!parse) return keepTail(line);
      if (blocks) finalSeen(blocks.line(line));
      const parsed = parseLine(line);
      if (parsed.type === 'text') keepTail(line);
      else if (parsed.type === 'invalid') {
        invalidLines++;
        log(`[nightshift] ignored a malformed @ns line: ${parsed.reason}\n`);
      } else if (parsed.type === 'step') {
        // Steps past the cap are parsed, not stored: a script printing every micro-step must not fill the database.
        if (++steps === stepCap + 1) log(`[nightshift] more than ${stepCap} step lines: the rest are not stored\n`);
        if (steps <= stepCap) onStep?.({ step: parsed.step, elapsed_s: parsed.elapsedS, values: parsed.values });
      } else finalSeen(parsed.fields);
    },
    summary: () => {
      // A block the output ended in is only complete now.
      if (blocks) finalSeen(blocks.end());
      return { final, finalLines, invalidLines, cutLines, stepsDropped: Math.max(0, steps - stepCap), tail: [...tail], lines };
    },
  };
}
