import { parseLiteral, type KnobValue, type LiteralStyle } from './literal.ts';

/** What a `@knob` marker allows: a list of values, or a numeric range (log-scaled or linear). */
export type KnobDomain = { type: 'set'; values: KnobValue[] } | { type: 'range'; min: number; max: number; scale: 'linear' | 'log'; integer: boolean };

export interface Marker {
  file: string;
  /** 0-based line index in the file. */
  line: number;
  name: string;
  value: KnobValue;
  style: LiteralStyle;
  /** Where the literal sits on its line, so an edit replaces exactly it. */
  start: number;
  end: number;
  marker: 'knob' | 'ablate';
  /** For `@ablate`: the ablated values. */
  alternatives: KnobValue[];
  /** For `@knob`: the domain to tune over. */
  domain: KnobDomain | null;
  /** For `@knob`: the search priority written as `priority=N` (higher first); null when not written. */
  priority: number | null;
}

// name (bare, or quoted as a dict key), `:` or `=`, one literal, an optional comma, then the comment.
const LINE = /^(\s*)([A-Za-z_$][\w$]*|'[^']*'|"[^"]*")(\s*[:=]\s*)('[^']*'|"[^"]*"|[^\s,#/]+)(\s*,?\s*)(\/\/|#)\s*@(knob|ablate)\b(.*)$/;

// `priority=N` on a `@knob` line: an integer, higher first (agent/proposers/knob-order.ts).
const PRIORITY = /^priority=(.*)$/;

/** Splits a marker's arguments, keeping quoted strings whole. */
function tokens(text: string): string[] {
  return text.match(/'[^']*'|"[^"]*"|\S+/g) ?? [];
}

function parseDomain(args: string[]): KnobDomain | string {
  const [first, ...flags] = args;
  const range = first ? /^(.+?)\.\.(.+)$/.exec(first) : null;
  if (range && !/^['"]/.test(first!)) {
    const min = Number(range[1]);
    const max = Number(range[2]);
    if (!Number.isFinite(min) || !Number.isFinite(max) || min >= max) return `bad range ${first}`;
    const unknown = flags.filter((f) => f !== 'log' && f !== 'int');
    if (unknown.length > 0) return `unknown range flag ${unknown[0]}`;
    const scale = flags.includes('log') ? 'log' : 'linear';
    if (scale === 'log' && min <= 0) return `log range ${first} must be positive`;
    return { type: 'range', min, max, scale, integer: flags.includes('int') };
  }
  const values: KnobValue[] = [];
  for (const t of args) {
    const v = parseLiteral(t);
    if (v === undefined) return `bad value ${t}`;
    values.push(v);
  }
  if (values.length === 0) return 'no values';
  return { type: 'set', values };
}

/** The `priority=N` among a knob's arguments: null when absent, a message when malformed. */
function parsePriority(args: string[]): number | null | string {
  const written = args.flatMap((a) => PRIORITY.exec(a)?.[1] ?? []);
  if (written.length > 1) return 'priority given twice';
  const [p] = written;
  if (p === undefined) return null;
  return /^[+-]?\d+$/.test(p) ? Number(p) : `bad priority ${p || '(empty)'}: an integer, higher first`;
}

export interface MarkerProblem {
  file: string;
  line: number;
  message: string;
}

/** Finds every `@knob`/`@ablate` line in one file's text. Malformed markers are reported, not guessed. */
export function parseMarkers(file: string, text: string): { markers: Marker[]; problems: MarkerProblem[] } {
  const markers: Marker[] = [];
  const problems: MarkerProblem[] = [];
  text.split('\n').forEach((raw, line) => {
    // A marker is a comment that starts with it; prose that merely mentions `@knob` is not.
    if (!/(\/\/|#)\s*@(knob|ablate)\b/.test(raw)) return;
    const m = LINE.exec(raw);
    if (!m) {
      problems.push({ file, line, message: 'marker line must read `name: literal, // @knob …` (or `# @knob …`)' });
      return;
    }
    const [, indent, rawName, sep, literal, , comment, kind, rest] = m as unknown as string[];
    const value = parseLiteral(literal!);
    if (value === undefined) {
      problems.push({ file, line, message: `${literal} is not a literal` });
      return;
    }
    const start = indent!.length + rawName!.length + sep!.length;
    const quote = /^"/.test(literal!) ? '"' : "'";
    const base = {
      file,
      line,
      name: rawName!.replace(/^['"]|['"]$/g, ''),
      value,
      style: { python: comment === '#', quote } as LiteralStyle,
      start,
      end: start + literal!.length,
    };
    const args = tokens(rest!.trim());
    if (kind === 'ablate') {
      const alternatives = args.map(parseLiteral);
      if (alternatives.length === 0 || alternatives.some((v) => v === undefined)) {
        problems.push({ file, line, message: '@ablate needs one or more literal values' });
        return;
      }
      markers.push({ ...base, marker: 'ablate', alternatives: alternatives as KnobValue[], domain: null, priority: null });
    } else {
      const priority = parsePriority(args);
      const domain = parseDomain(args.filter((a) => !PRIORITY.test(a)));
      const problem = typeof priority === 'string' ? priority : typeof domain === 'string' ? domain : null;
      if (problem !== null) {
        problems.push({ file, line, message: `@knob: ${problem}` });
        return;
      }
      markers.push({ ...base, marker: 'knob', alternatives: [], domain: domain as KnobDomain, priority: priority as number | null });
    }
  });
  return { markers, problems };
}
