const BARS = '▁▂▃▄▅▆▇█';

/**
 * A one-line chart of a series: `width` buckets (each the mean of its values), scaled between
 * the series' min and max. Non-finite values are left out; a flat series is a flat line.
 */
export function sparkline(values: readonly number[], width = 40): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return '';
  const buckets = Math.min(width, finite.length);
  const means = Array.from({ length: buckets }, (_, b) => {
    const from = Math.floor((b * finite.length) / buckets);
    const to = Math.floor(((b + 1) * finite.length) / buckets);
    let sum = 0;
    for (let i = from; i < to; i++) sum += finite[i]!;
    return sum / (to - from);
  });
  const lo = Math.min(...means);
  const span = Math.max(...means) - lo;
  return means.map((m) => BARS[span === 0 ? 3 : Math.round(((m - lo) / span) * (BARS.length - 1))]).join('');
}
