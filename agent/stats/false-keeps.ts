/**
 * The expected number of false keeps in a session: Σ over decisions of P(keep | the change
 * does nothing), each probability taken at the state of the session when it was decided.
 *
 * - noise-aware: only its final one-sided test at level alpha can keep, and reverting early
 *   only removes keeps, so each decision contributes at most alpha: the sum is n·alpha, a bound.
 * - greedy: a no-op change's run is x ~ N(μ, σ²) around the baseline mean μ, and it is kept iff
 *   it beats the record r (the best single run so far): P = Φ((r − μ)/σ) when minimizing,
 *   Φ((μ − r)/σ) when maximizing, with the session's estimates of μ and σ plugged in. A record
 *   set by a lucky run lies below μ and makes the probability small; against a one-run baseline
 *   (r = μ) it is ½.
 */
import { normalCdf } from './normal.ts';

export type FalseKeepRule = { name: 'noise-aware'; alpha: number } | { name: 'greedy' };

/** The session as one decision saw it. */
export interface DecisionState {
  goal: 'minimize' | 'maximize';
  baselineMean: number;
  /** The best single value recorded before this decision. */
  bestSingle: number;
  /** Noise SD at the time; null where none could be estimated yet. */
  sd: number | null;
}

export function greedyFalseKeepProbability(d: DecisionState): number {
  const margin = d.goal === 'minimize' ? d.bestSingle - d.baselineMean : d.baselineMean - d.bestSingle;
  if (d.sd !== null && d.sd > 0) return normalCdf(margin / d.sd);
  // Without a noise scale only the one-run case is known (½); a record past the mean can't be beaten by a run that doesn't vary.
  return margin === 0 ? 0.5 : margin > 0 ? 1 : 0;
}

export function expectedFalseKeeps(rule: FalseKeepRule, decisions: readonly DecisionState[]): number {
  if (rule.name === 'noise-aware') return decisions.length * rule.alpha;
  let sum = 0;
  for (const d of decisions) sum += greedyFalseKeepProbability(d);
  return sum;
}
