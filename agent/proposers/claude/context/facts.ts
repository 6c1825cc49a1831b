import { mebibytes, num } from '../../../format/numbers.ts';
import { finalFields, finalNumber, peakMemoryMb } from '../../../runner/final-fields.ts';
import type { StepSeries } from '../../../store/metric-reads.ts';
import type { ExperimentRow } from '../../../store/types.ts';

/** Points of a loss curve shown per run: enough to see its shape (still falling, flat, diverging), few enough to read. */
export const CURVE_POINTS = 8;
// The training loss says most about how a change trained; the session's metric, when logged per step, next.
const LOSS_NAMES = ['train_loss', 'loss'];
const THROUGHPUT = 'tokens_per_s';

const whole = (x: number): string => Math.round(x).toLocaleString('en-US');
/**
 * The backend as a run named it ("wasm", "cuda"): run output, so only a plain word is shown;
 * anything else could carry an instruction outside the fences.
 */
const backendName = (v: unknown): string | null => (typeof v === 'string' && /^[\w.+-]{1,24}$/.test(v) ? v : null);
/** A run's wall time: the runner's own measure, else its start to its end. */
const wallS = (e: ExperimentRow): number | null =>
  e.run_s ?? (e.started_at && e.ended_at ? Math.max(0, (Date.parse(e.ended_at) - Date.parse(e.started_at)) / 1000) : null);

/**
 * One line of what a run's training reported and how long it took: steps, tokens/s, params,
 * train and validation loss (the session's metric), backend, peak memory, wall time. Facts the
 * run did not report are left out; null when it reported none.
 */
export function factsLine(e: ExperimentRow, metric: string): string | null {
  const f = finalFields(e.final_json);
  const steps = finalNumber(f, 'steps');
  const speed = finalNumber(f, 'tokens_per_s');
  const params = finalNumber(f, 'params');
  const train = finalNumber(f, 'train_loss', 'loss');
  const memory = e.peak_mem_mb ?? peakMemoryMb(f);
  const wall = wallS(e);
  const parts = [
    steps === null ? null : `${whole(steps)} steps`,
    speed === null ? null : `${whole(speed)} tok/s`,
    params === null ? null : `${whole(params)} params`,
    train === null ? null : `train_loss ${num(train)}`,
    e.metric === null ? null : `${metric} ${num(e.metric)}`,
    backendName(e.backend ?? f.backend),
    memory === null ? null : `peak ${mebibytes(memory)}`,
    wall === null ? null : `${Math.round(wall)} s`,
  ].filter((p) => p !== null);
  return parts.length === 0 ? null : parts.join(' · ');
}

/** The series a run's curve is drawn from: its training loss, else the session's metric per step, else any but throughput. */
export function lossSeries(series: readonly StepSeries[], metric: string): StepSeries | null {
  const named = (name: string) => series.find((s) => s.name === name && s.values.length > 0);
  for (const name of [...LOSS_NAMES, metric]) {
    const found = named(name);
    if (found) return found;
  }
  return series.find((s) => s.name !== THROUGHPUT && s.values.length > 0) ?? null;
}

/** `points` evenly spaced samples of a series, its first and last step included: "train_loss by step: 0 4.2, 300 2.1, …". */
export function curveLine(s: StepSeries, points = CURVE_POINTS): string {
  const n = s.values.length;
  const picks = [...new Set(Array.from({ length: Math.min(points, n) }, (_, i) => (n === 1 ? 0 : Math.round((i * (n - 1)) / (Math.min(points, n) - 1)))))];
  return `${s.name} by step: ${picks.map((i) => `${s.steps[i]} ${num(s.values[i]!)}`).join(', ')}`;
}
