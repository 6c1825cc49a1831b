import type { KnobValue } from '../knobs/literal.ts';
import type { Marker } from '../knobs/markers.ts';

// Pattern search: the nearest moves first, then ever finer ones once those have been tried.
const LOG_FACTORS = [2, Math.SQRT2, 2 ** 0.25];
const LINEAR_FRACTIONS = [0.2, 0.1, 0.05];

/** Candidate values for one knob around its current value, nearest and coarsest first. */
export function neighbours(marker: Marker): KnobValue[] {
  const domain = marker.domain;
  if (!domain) return [];
  if (domain.type === 'set') {
    const values = domain.values;
    let at = values.indexOf(marker.value);
    if (at < 0 && typeof marker.value === 'number') at = nearestIndex(values, marker.value);
    const out: KnobValue[] = [];
    for (let d = 1; d < values.length; d++) {
      for (const i of [at + d, at - d]) {
        const v = values[i];
        if (v !== undefined && v !== marker.value) out.push(v);
      }
    }
    return out;
  }
  if (typeof marker.value !== 'number') return [];
  const current = marker.value;
  const moves =
    domain.scale === 'log'
      ? LOG_FACTORS.flatMap((f) => [current * f, current / f])
      : LINEAR_FRACTIONS.flatMap((f) => [current + f * (domain.max - domain.min), current - f * (domain.max - domain.min)]);
  const out: number[] = [];
  for (const raw of moves) {
    const clipped = Math.min(domain.max, Math.max(domain.min, raw));
    const v = domain.integer ? Math.round(clipped) : Number(clipped.toPrecision(4));
    if (v !== current && !out.includes(v)) out.push(v);
  }
  return out;
}

function nearestIndex(values: KnobValue[], target: number): number {
  let best = 0;
  values.forEach((v, i) => {
    if (typeof v === 'number' && Math.abs(v - target) < Math.abs(Number(values[best]) - target)) best = i;
  });
  return best;
}
