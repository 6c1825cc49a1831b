/** Number formatting for verdict reasons: short, signed, with the noise scale beside each delta. */

const MINUS = '\u2212';

/** Two significant digits, no exponent for ordinary magnitudes. */
export function num(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return String(x);
  const s = String(Number(x.toPrecision(digits)));
  return s.startsWith('-') ? MINUS + s.slice(1) : s;
}

export function signed(x: number, digits = 2): string {
  const s = num(x, digits);
  return x > 0 ? `+${s}` : s;
}

function signedFixed(x: number): string {
  const s = Math.abs(x).toFixed(1);
  return x > 0 ? `+${s}` : x < 0 ? `${MINUS}${s}` : s;
}

/** "Δ −0.041 (−2.3 SD of noise 0.018)", or what stands in for the noise when there is none. */
export function deltaClause(delta: number, sd: number | null): string {
  if (sd === null) return `Δ ${signed(delta)} (no noise estimate yet)`;
  if (sd === 0) return `Δ ${signed(delta)} (noise SD 0: the runs do not vary)`;
  return `Δ ${signed(delta)} (${signedFixed(delta / sd)} SD of noise ${num(sd)})`;
}

export function pValue(p: number | null): string {
  if (p === null) return 'no test';
  if (p < 0.001) return 'p<0.001';
  return `p=${p < 0.1 ? p.toFixed(3) : p.toFixed(2)}`;
}

export function runs(n: number): string {
  return `${n} run${n === 1 ? '' : 's'}`;
}
