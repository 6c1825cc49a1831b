import { decidedCount, finishedCount, isCandidate } from '../session/kinds.ts';
import { perRunEstimate } from '../session/run-pace.ts';
import { median } from '../stats/descriptive.ts';
import type { ExperimentRow } from '../store/types.ts';
import { clockTime, span } from '../format/time.ts';
import type { SessionOptions } from './options.ts';

/**
 * The session's limits (--max-experiments, --max-runs, --hours/--until), checked only between
 * decisions: a candidate in progress always gets its confirmations and its verdict, so a night
 * never ends with a change half-decided.
 */

/**
 * What the loop is about to start: `continue` is a step of a decision already under way (a
 * confirmation, a verdict, the re-run of an interrupted candidate), which no limit stops; `head`
 * is one run of the last kept state (baseline, control, top-up); `candidate` a new decision, before
 * it is proposed; `proposed` a new decision once proposed, when the runs it may need are known.
 */
export type Work = 'continue' | 'head' | 'candidate' | 'proposed';

/**
 * With several slots (agent/schedule/), what is under way counts as if done: the runs in flight
 * and those the undecided candidates may still take, and those candidates as decisions. The
 * deadline is not affected: a decision's own runs follow one another whatever the others do.
 */
export interface InFlight {
  runs: number;
  decisions: number;
}

/**
 * Why the session must end before `work`, or null when it may start. `need` is the most runs the
 * work may take: 1 for a run of the last kept state, and for a new decision before it is proposed
 * (its own runs are known only then: the loop asks again, exactly, once it is, and drops the
 * proposal unstarted when it cannot finish). `now` is a time in ms.
 */
export function limitEnding(
  work: Work,
  rows: readonly ExperimentRow[],
  options: SessionOptions,
  need: number,
  now: number,
  inFlight: InFlight = { runs: 0, decisions: 0 },
): string | null {
  if (work === 'continue') return null;
  const { maxExperiments } = options;
  if (maxExperiments !== null && decidedCount(rows) + inFlight.decisions >= maxExperiments) return `reached --max-experiments ${maxExperiments}`;
  const maxRuns = options.maxRuns ?? null;
  if (maxRuns !== null) {
    const runs = finishedCount(rows) + inFlight.runs;
    if (runs >= maxRuns) return `reached --max-runs ${maxRuns}`;
    if (runs + need > maxRuns)
      return `reached --max-runs ${maxRuns}: the next decision may need ${need} runs and ${maxRuns - runs} ${maxRuns - runs === 1 ? 'is' : 'are'} left`;
  }
  if (options.deadline) {
    const leftS = (Date.parse(options.deadline) - now) / 1000;
    const at = clockTime(options.deadline);
    if (leftS <= 0) return `reached the deadline ${at}`;
    const neededS = worstCaseS(work, need, rows, options);
    if (neededS > leftS) {
      const what = work === 'head' ? 'run' : 'decision';
      const runs = work === 'head' ? '' : ` for ${need} ${need === 1 ? 'run' : 'runs'}`;
      return `the next ${what} would end after ${at} (about ${span(neededS)}${runs}, ${span(leftS)} left)`;
    }
  }
  return null;
}

/** A decision's time: its runs at this session's pace, plus what proposing one has taken here (unless it is proposed already). */
function worstCaseS(work: Work, runs: number, rows: readonly ExperimentRow[], options: SessionOptions): number {
  const perRun = perRunEstimate(rows, options).seconds;
  if (work !== 'candidate') return runs * perRun;
  const proposing = rows.filter((e) => isCandidate(e) && e.propose_s !== null).map((e) => e.propose_s!);
  return runs * perRun + (proposing.length > 0 ? median(proposing) : 0);
}
