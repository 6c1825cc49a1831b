import type { StepMetrics } from '../../store/metrics.ts';

const LOSS_NAMES = ['train_loss', 'loss'];
const THROUGHPUT = 'tokens_per_s';
/**
 * A sparkline is at most 32 cells wide. Holding 32–64 averaged points keeps memory flat, and the
 * sparkline then changes only when a point completes (ever more rarely as a run goes on), not
 * on every step: each distinct sparkline is a string Ink keeps (see pieces.ts).
 */
const MAX_POINTS = 64;

/**
 * The step metrics of the run in flight, as the dashboard shows them: the latest step, tokens per
 * second, and the loss series, halved (pairs averaged) whenever it fills up so memory stays flat.
 */
export class LiveSteps {
  lossName: string | null = null;
  loss: number[] = [];
  step: number | null = null;
  tokensPerS: number | null = null;
  /** The script's own clock at its latest step: training time without the process's start-up. */
  elapsedS: number | null = null;
  private stride = 1;
  private pending: number[] = [];

  constructor(readonly experimentId: number) {}

  add(metrics: StepMetrics): void {
    this.step = metrics.step;
    if (metrics.elapsed_s !== null) this.elapsedS = metrics.elapsed_s;
    const throughput = metrics.values[THROUGHPUT];
    if (typeof throughput === 'number') this.tokensPerS = throughput;
    this.lossName ??= LOSS_NAMES.find((n) => n in metrics.values) ?? Object.keys(metrics.values).find((n) => n !== THROUGHPUT) ?? null;
    const value = this.lossName === null ? undefined : metrics.values[this.lossName];
    if (typeof value !== 'number') return;
    this.pending.push(value);
    if (this.pending.length < this.stride) return;
    this.loss.push(this.pending.reduce((a, b) => a + b, 0) / this.pending.length);
    this.pending = [];
    if (this.loss.length >= MAX_POINTS) {
      this.loss = Array.from({ length: this.loss.length / 2 }, (_, i) => (this.loss[2 * i]! + this.loss[2 * i + 1]!) / 2);
      this.stride *= 2;
    }
  }
}
