/** Short figures for a cramped screen (num/signed in ../format.ts do the metric values). */

export function duration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** 51234 → 51.2k, 1234567 → 1.23M. */
export function compact(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toPrecision(3)}G`;
  if (abs >= 1e6) return `${(n / 1e6).toPrecision(3)}M`;
  if (abs >= 1e3) return `${(n / 1e3).toPrecision(3)}k`;
  return String(Math.round(n));
}

export function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

export function bar(progress: number, width: number): string {
  const full = Math.round(Math.max(0, Math.min(1, progress)) * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

/** Pads or cuts to exactly `width` cells (an ellipsis marks a cut). */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text.padEnd(width);
  return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
}
