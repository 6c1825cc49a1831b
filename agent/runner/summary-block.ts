/**
 * autoresearch's summary block, read as a run's final facts (`"protocol": "autoresearch"`): its
 * train.py ends by printing
 *
 *     ---
 *     val_bpb:          0.997900
 *     training_seconds: 300.1
 *     peak_vram_mb:     45060.2
 *     num_steps:        953
 *
 * A block is a `---` line followed by at least one `name: value` line; it ends at the first line
 * of another shape (a blank line, a traceback) or at the end of the output. A `---` followed by
 * anything else is log text. Each block counts as one final line, so a script that prints two
 * (or a block and an `@ns` final line) breaks the same rule a repeated final line does.
 */

type Fact = number | string;

const START = '---';
// Python prints a name, a colon and the value padded into a column; names are identifiers.
const FIELD = /^([A-Za-z_][\w.-]*):\s*(.*?)\s*$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// How Python formats a float that is not finite (`f"{x:.6f}"`): read as numbers, so a diverged run is told apart.
const NON_FINITE: Record<string, number> = { nan: Number.NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity };
// A block is a summary, not a dump: past this many fields the rest of it is log text.
const MAX_FIELDS = 200;

/** autoresearch's names → the final line's (docs/design.md), with the factor its unit needs. */
const RENAMES: Record<string, { to: string; times?: number }> = {
  num_steps: { to: 'steps' },
  training_seconds: { to: 'training_s' },
  total_seconds: { to: 'total_s' },
  num_params_M: { to: 'params', times: 1e6 },
  total_tokens_M: { to: 'tokens', times: 1e6 },
};

export interface SummaryBlocks {
  /** Feeds one stdout line; returns a block's facts when this line is the first after it. */
  line(line: string): Record<string, Fact> | null;
  /** The block still open when the output ended, once; null when there is none. */
  end(): Record<string, Fact> | null;
}

export function summaryBlocks(): SummaryBlocks {
  // The open block's raw fields; null when no `---` line is open.
  let open: Map<string, string> | null = null;
  const close = () => {
    const fields = open;
    open = null;
    return fields && fields.size > 0 ? blockFacts(fields) : null;
  };
  return {
    line(line) {
      if (line.trim() === START) {
        const done = close();
        open = new Map();
        return done;
      }
      if (open === null) return null;
      const field = FIELD.exec(line);
      if (!field || open.size >= MAX_FIELDS) return close();
      open.set(field[1]!, field[2]!);
      return null;
    },
    end: close,
  };
}

/** A value as the script printed it: a number where it reads as one, else the text. */
function factValue(text: string): Fact {
  if (NUMBER.test(text)) return Number(text);
  return NON_FINITE[text.toLowerCase()] ?? text;
}

/**
 * The final facts of one block under nightshift's names (num_steps → steps, num_params_M →
 * params…, with tokens_per_s where tokens and training time are both there); the metric and
 * peak_vram_mb keep theirs. A name the script also prints itself keeps the script's value.
 */
export function blockFacts(fields: ReadonlyMap<string, string>): Record<string, Fact> {
  const facts: Record<string, Fact> = {};
  for (const [name, text] of fields) if (!(name in RENAMES)) facts[name] = factValue(text);
  for (const [name, text] of fields) {
    const rename = RENAMES[name];
    if (!rename || rename.to in facts) continue;
    const value = factValue(text);
    facts[rename.to] = typeof value === 'number' && rename.times ? Math.round(value * rename.times) : value;
  }
  const { tokens, training_s } = facts;
  if (typeof tokens === 'number' && typeof training_s === 'number' && training_s > 0 && !('tokens_per_s' in facts))
    facts.tokens_per_s = Math.round(tokens / training_s);
  return facts;
}
