import type { Goal, KeepBar } from '../../../decide/types.ts';
import { num, signed } from '../../../format/numbers.ts';

const METHODS: Record<KeepBar['method'], string> = {
  paired: 'compared seed by seed with the baseline',
  pooled: 'compared with the baseline mean, unpaired',
  welch: "compared by Welch's test (the last change's runs were unstable)",
  record: 'one run compared with the best single run so far (greedy)',
};

/**
 * The noise the keep rule would judge a change proposed now on, and the smallest effect it is
 * likely to keep: what the model needs to tell a promising idea from one lost in the noise.
 */
export function noiseLines(bar: KeepBar | null, rule: string, goal: Goal, metric: string): string[] {
  if (bar === null) return [`Noise: not known yet (the baseline is still being measured); the keep rule is ${rule}.`];
  if (bar.sd === null) return [`Noise: no estimate yet (no configuration has two runs); the keep rule (${rule}) cannot keep anything until it has one.`];
  const towards = (x: number) => signed(goal === 'minimize' ? -x : x);
  const paired = bar.pairedSd === null ? '' : `, same-seed difference SD ${num(bar.pairedSd)}`;
  const lines = [`Noise the keep rule (${rule}) uses now: run-to-run SD ${num(bar.sd)} of ${metric}${paired}; a change is ${METHODS[bar.method]}.`];
  if (bar.bar !== null && bar.likely !== null) {
    lines.push(
      `After its ${bar.runs} ${bar.runs === 1 ? 'run' : 'runs'}, a change is kept only with a delta of ${towards(bar.bar)} or better; ` +
        `one whose true effect is ${towards(bar.likely)} or better is kept about ${Math.round(bar.power * 100)}% of the time. Smaller effects are lost in the noise.`,
    );
  }
  return lines;
}
