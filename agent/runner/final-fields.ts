import { z } from 'zod';

// The fields of the final `@ns` line (see protocol.ts), read by measurement (planned steps, the
// floor), the report and the autoresearch export alike.

const FinalLine = z.record(z.string(), z.unknown());

/** A run's stored final `@ns` line as an object; malformed or missing ones read as empty. */
export function finalFields(finalJson: string | null): Record<string, unknown> {
  if (!finalJson) return {};
  try {
    return FinalLine.safeParse(JSON.parse(finalJson)).data ?? {};
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return {};
  }
}

/** A finite number field of a final line, or null. */
export function finalNumber(fields: Record<string, unknown>, ...names: string[]): number | null {
  for (const name of names) {
    const v = fields[name];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

/**
 * The best value reachable, when the script reports it: `floor_<metric>` or, as autoresearch
 * names it for val_bpb, `floor_` + the metric without its `val_` prefix (floor_bpb).
 */
export function floorNames(metric: string): string[] {
  const short = metric.replace(/^val_/, '');
  return short === metric ? [`floor_${metric}`] : [`floor_${metric}`, `floor_${short}`];
}

/**
 * A run's peak memory in MiB from its final facts: `peak_mem_mb` (the helpers' name), autoresearch's
 * `peak_vram_mb`, or `memory_gb` as its results.tsv has it; null when the script reports none.
 */
export function peakMemoryMb(fields: Record<string, unknown>): number | null {
  const mb = finalNumber(fields, 'peak_mem_mb', 'peak_vram_mb', 'peak_memory_mb');
  if (mb !== null) return mb;
  const gb = finalNumber(fields, 'memory_gb', 'peak_memory_gb');
  return gb === null ? null : gb * 1024;
}
