import type { Db } from './db.ts';

export interface StepMetrics {
  step: number;
  elapsed_s: number | null;
  values: Record<string, number | null>;
}

/**
 * Buffers step metrics and writes them in one transaction per batch: a training script may
 * print hundreds of lines a second, and one transaction per line would cost a fsync each.
 */
export class MetricsWriter {
  private pending: { experimentId: number; metrics: StepMetrics }[] = [];
  private readonly insert;
  private readonly flushTx;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    db: Db,
    private readonly maxPending = 500,
    private readonly flushMs = 1000,
  ) {
    this.insert = db.prepare(`INSERT OR REPLACE INTO metrics (experiment_id, step, name, value, elapsed_s) VALUES (?, ?, ?, ?, ?)`);
    this.flushTx = db.transaction((batch: typeof this.pending) => {
      for (const { experimentId, metrics } of batch) {
        for (const [name, value] of Object.entries(metrics.values)) {
          this.insert.run(experimentId, metrics.step, name, value, metrics.elapsed_s);
        }
      }
    });
  }

  add(experimentId: number, metrics: StepMetrics): void {
    this.pending.push({ experimentId, metrics });
    if (this.pending.length >= this.maxPending) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.flushTx(batch);
  }
}
