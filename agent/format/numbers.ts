/**
 * Every number shown to a person. Two styles, because they are read differently:
 * tables and one-line output want a compact ASCII form with '-' for a missing value;
 * sentences (verdict reasons) want fewer digits and a typographic minus.
 */

/** Compact numbers for tables and one-line output: 4 significant digits, '-' when there is none. */
export function num(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return '-';
  if (!Number.isFinite(value)) return String(value);
  return Number(value.toPrecision(digits)).toString();
}

/** `num` with a '+' on positive values, for deltas. */
export function signed(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  return (value > 0 ? '+' : '') + num(value);
}

export function seconds(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : `${value.toFixed(1)} s`;
}

/** A run's peak memory, given in MiB: GiB with one decimal from 1 GiB up ("44.0 GiB"), else whole MiB. */
export function mebibytes(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  return value >= 1024 ? `${(value / 1024).toFixed(1)} GiB` : `${Math.round(value)} MiB`;
}

const MINUS = '\u2212';

/** A number inside a sentence: two significant digits, no exponent for ordinary magnitudes, a typographic minus. */
export function proseNum(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return String(x);
  const s = String(Number(x.toPrecision(digits)));
  return s.startsWith('-') ? MINUS + s.slice(1) : s;
}

/** `proseNum` with a '+' on positive values, for deltas. */
export function proseSigned(x: number, digits = 2): string {
  const s = proseNum(x, digits);
  return x > 0 ? `+${s}` : s;
}

/** One decimal, signed, for a multiple of the noise SD ("−2.3"). */
export function proseSignedFixed(x: number): string {
  const s = Math.abs(x).toFixed(1);
  return x > 0 ? `+${s}` : x < 0 ? `${MINUS}${s}` : s;
}
