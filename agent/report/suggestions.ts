/**
 * What the log suggests trying next, by fixed rules (SUGGESTION_RULES, printed with them) rather
 * than judgement, so a reader can check every line against the tables above it.
 */
import type { EffectFamily } from '../analysis/session-effects.ts';
import type { Marker } from '../knobs/markers.ts';
import { num } from '../format/numbers.ts';
import { movesOf, type Move } from '../proposers/knob-history.ts';
import { neighbours } from '../proposers/neighbours.ts';
import { tQuantile } from '../stats/t-dist.ts';
import type { ExperimentRow } from '../store/types.ts';
import type { ComponentEffect } from './learned.ts';

export type SuggestionRule = 'knob-direction' | 'wide-interval' | 'untested-pair' | 'untried-knob';

export const SUGGESTION_RULES: Record<SuggestionRule, string> = {
  'knob-direction':
    "a knob whose latest kept move improved the metric: its next value further in that direction (the planner's nearest move from the kept value), unless a move on from there that way was already tried",
  'wide-interval':
    "a component whose effect is not significant although its table could not have seen a 2-noise-SD effect with 80% power (the decision rule is planned for 2-SD gains): the runs of it that would bring its MDE to 2 SD, the baseline's runs as they are, each new run adding a df",
  'untested-pair':
    'two components with significant effects never ablated together, so whether they add up is unknown (leave-one-out only: a factorial design estimates every pair)',
  'untried-knob': "a @knob marker that no tweak (the planner's knob moves) has moved",
};

export interface Suggestion {
  rule: SuggestionRule;
  /** The knob, component or pair ("a+b") it is about. */
  subject: string;
  text: string;
}

export interface SuggestionInput {
  rows: readonly ExperimentRow[];
  components: readonly ComponentEffect[];
  families: readonly EffectFamily[];
  markers: readonly Marker[] | null;
}

const MOVED = /(?:^tweak |, )([A-Za-z_$][\w$]*): /g;

export function suggestions({ rows, components, families, markers }: SuggestionInput): Suggestion[] {
  const knobs = markers?.filter((m) => m.marker === 'knob') ?? null;
  // Each tweak's moves, read once: a night may hold tens of thousands of them.
  const tweaks = rows
    .filter((e) => e.kind === 'tweak')
    .map((e) => ({ row: e, moves: movesOf(e.description, knobs?.map((k) => k.name) ?? [...e.description.matchAll(MOVED)].map((m) => m[1]!)) }));
  return [...knobDirections(tweaks, knobs), ...wideIntervals(components), ...untestedPairs(components, families), ...untriedKnobs(tweaks, knobs)];
}

type Tweak = { row: ExperimentRow; moves: Move[] };

function knobDirections(tweaks: readonly Tweak[], knobs: readonly Marker[] | null): Suggestion[] {
  const latest = new Map<string, { move: Move; id: number }>();
  for (const t of tweaks) if (t.row.decision === 'keep') for (const move of t.moves) latest.set(move.name, { move, id: t.row.id });
  // A move on from the kept value the same way, whatever its size, has already tested the direction.
  const triedOnwards = (name: string, from: number, to: number) =>
    tweaks.some((t) => t.moves.some((m) => m.name === name && m.from === to && typeof m.to === 'number' && (m.to - to) * (to - from) > 0));
  return [...latest.values()].flatMap(({ move: { name, from, to }, id }): Suggestion[] => {
    if (typeof from !== 'number' || typeof to !== 'number' || from === to) return [];
    const way = to > from ? 'up' : 'down';
    const kept = `${name}: ${num(from)} -> ${num(to)} was kept (#${id})`;
    if (triedOnwards(name, from, to)) return [];
    const marker = knobs?.find((k) => k.name === name);
    if (!marker) return [{ rule: 'knob-direction', subject: name, text: `${kept}: try ${name} further ${way}` }];
    const next = neighbours({ ...marker, value: to }).find((v) => typeof v === 'number' && (v - to) * (to - from) > 0);
    if (next === undefined)
      return [{ rule: 'knob-direction', subject: name, text: `${kept}, at the ${way === 'up' ? 'top' : 'bottom'} of its range: widen the range to go on` }];
    return [{ rule: 'knob-direction', subject: name, text: `${kept}: try ${name} ${num(next as number)} next (further ${way})` }];
  });
}

function wideIntervals(components: readonly ComponentEffect[]): Suggestion[] {
  return components.flatMap((c): Suggestion[] => {
    if (c.significant || c.mde80 === null || c.noise_sd === null || !(c.noise_sd > 0) || c.mde80 <= 2 * c.noise_sd) return [];
    const runs = runsToSee(c, 2 * c.noise_sd);
    const more =
      runs === null
        ? `more than ${MAX_RUNS} runs of it would not see a 2-SD effect: the baseline needs more runs too`
        : `about ${runs} runs of it would see a 2-SD effect`;
    return [
      {
        rule: 'wide-interval',
        subject: c.component,
        text: `${c.component} (${c.change}): not significant over ${c.n} runs, but only effects beyond ${num(c.mde80)} (${num(c.mde80 / c.noise_sd, 2)} noise SD) were likely to show: ${more}`,
      },
    ];
  });
}

const MAX_RUNS = 100;

/**
 * The fewest runs of the ablation whose MDE at 80% reaches `target`, the rest of its table as it
 * is: SE = σ√(1/n + 1/m) (1/m, the baseline's part, read back from the SE), and each added run
 * adds a df, which shrinks the t quantiles as well as the SE. Null past MAX_RUNS.
 */
function runsToSee(c: ComponentEffect, target: number): number | null {
  const sd = c.noise_sd!;
  const tCrit = (df: number) => tQuantile(1 - (1 - c.level) / 2, df);
  const se = c.half_width! / tCrit(c.df);
  const baselinePart = Math.max(0, (se / sd) ** 2 - 1 / c.n);
  for (let n = c.n + 1; n <= MAX_RUNS; n++) {
    const df = c.df + (n - c.n);
    if ((tCrit(df) + tQuantile(0.8, df)) * sd * Math.sqrt(1 / n + baselinePart) <= target) return n;
  }
  return null;
}

function untestedPairs(components: readonly ComponentEffect[], families: readonly EffectFamily[]): Suggestion[] {
  if (families.length === 0 || families.some((f) => f.design === 'factorial')) return [];
  const measured = new Set(families.flatMap((f) => f.result.interactions.flatMap((r) => [`${r.a}+${r.b}`, `${r.b}+${r.a}`])));
  const strong = [...new Set(components.filter((c) => c.significant).map((c) => c.component))];
  const out: Suggestion[] = [];
  for (const [i, a] of strong.entries())
    for (const b of strong.slice(i + 1))
      if (!measured.has(`${a}+${b}`))
        out.push({ rule: 'untested-pair', subject: `${a}+${b}`, text: `${a} and ${b} both matter but were never ablated together: measure their interaction` });
  return out;
}

function untriedKnobs(tweaks: readonly Tweak[], knobs: readonly Marker[] | null): Suggestion[] {
  if (knobs === null) return [];
  const moved = new Set(tweaks.flatMap((t) => t.moves.map((m) => m.name)));
  return knobs.filter((k) => !moved.has(k.name)).map((k) => ({ rule: 'untried-knob' as const, subject: k.name, text: `${k.name} was never tweaked` }));
}
