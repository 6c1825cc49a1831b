import type { ExperimentRow } from '../store/types.ts';
import { parseLiteral, type KnobValue } from '../knobs/literal.ts';
import type { Marker } from '../knobs/markers.ts';

/**
 * What the log says about the planner's knob moves. A tweak's change key names the whole
 * configuration after the move (`config a=1 b=true …`, every marker in file order) and its
 * description the moves (`tweak lr: 0.003 -> 0.006`, or several joined by `, `); both are written
 * by agent/proposers/knob-search.ts, and older logs read the same.
 */

/** One knob moved by a tweak: from the value at its base commit to the tried one. */
export interface Move {
  name: string;
  from: KnobValue;
  to: KnobValue;
}

/** A decided tweak candidate: its configuration, what it moved, and how the metric responded. */
export interface TweakResult {
  config: Map<string, KnobValue>;
  moves: Move[];
  /** Mean metric of its finished runs (its own and its confirmations); null when none finished. */
  mean: number | null;
  /** Candidate mean − baseline mean, as its verdict measured it; null for a failed run. */
  delta: number | null;
  noiseSd: number | null;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The configuration a `config …` change key names, or null when it was made with other markers. */
export function configOf(changeKey: string, markers: readonly Marker[]): Map<string, KnobValue> | null {
  const names = [...new Set(markers.map((m) => m.name))];
  if (names.length === 0) return null;
  const match = new RegExp(`^config ${names.map((n) => `${escapeRegExp(n)}=(.*?)`).join(' ')}$`).exec(changeKey);
  if (!match) return null;
  const config = new Map<string, KnobValue>();
  for (const [i, name] of names.entries()) {
    const value = parseLiteral(match[i + 1]!);
    if (value === undefined) return null;
    config.set(name, value);
  }
  return config;
}

/** The moves a tweak's description names, for the knobs among `names`. */
export function movesOf(description: string, names: readonly string[]): Move[] {
  const moves: Move[] = [];
  for (const name of names) {
    const match = new RegExp(`(?:^tweak |, )${escapeRegExp(name)}: (.+?) -> (.+?)(?=, [^,]+: | \\(|$)`).exec(description);
    const from = match ? parseLiteral(match[1]!) : undefined;
    const to = match ? parseLiteral(match[2]!) : undefined;
    if (from !== undefined && to !== undefined) moves.push({ name, from, to });
  }
  return moves;
}

/** Every decided tweak candidate the current markers can read, oldest first. */
export function tweakResults(history: readonly ExperimentRow[], markers: readonly Marker[]): TweakResult[] {
  const knobs = markers.filter((m) => m.marker === 'knob').map((m) => m.name);
  const results: TweakResult[] = [];
  for (const row of history) {
    if (row.kind !== 'tweak' || (row.decision !== 'keep' && row.decision !== 'revert') || row.change_key === null) continue;
    const config = configOf(row.change_key, markers);
    if (!config) continue;
    // The candidate's row holds its first run; its confirmations hold the others.
    const runs = [row, ...history.filter((e) => e.kind === 'confirm' && e.parent_id === row.id)];
    const values = runs.filter((e) => e.status === 'done' && e.metric !== null).map((e) => e.metric!);
    const mean = values.length > 0 ? values.reduce((s, v) => s + v, 0) / values.length : null;
    results.push({ config, moves: movesOf(row.description, knobs), mean, delta: row.delta, noiseSd: row.noise_sd });
  }
  return results;
}

/** A measured configuration and its mean metric; null when its run failed (crashed, diverged, timed out). */
export interface Observation {
  config: Map<string, KnobValue>;
  value: number | null;
}

/**
 * The measured configurations: each tweak's own, and the one it moved from, whose mean the
 * verdict gives as candidate mean − delta. Both count, so the incumbent is in the model too.
 */
export function observations(results: readonly TweakResult[]): Observation[] {
  const out: Observation[] = [];
  for (const r of results) {
    out.push({ config: r.config, value: r.mean });
    if (r.mean === null || r.delta === null || r.moves.length === 0) continue;
    const base = new Map(r.config);
    for (const m of r.moves) base.set(m.name, m.from);
    out.push({ config: base, value: r.mean - r.delta });
  }
  return out;
}
