/**
 * The literals a marker line may hold, in TypeScript or Python spelling. A value keeps the
 * spelling of the file it goes into (True/False in Python, the original quote style).
 */
export type KnobValue = number | boolean | string;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses one literal token; undefined when it is not a literal this module understands. */
export function parseLiteral(token: string): KnobValue | undefined {
  const t = token.trim();
  if (t === 'true' || t === 'True') return true;
  if (t === 'false' || t === 'False') return false;
  if (NUMBER.test(t)) return Number(t);
  const quoted = /^(['"])(.*)\1$/.exec(t);
  if (quoted && !quoted[2]!.includes(quoted[1]!)) return quoted[2]!;
  return undefined;
}

export interface LiteralStyle {
  python: boolean;
  quote: "'" | '"';
}

/** Writes a value in the style of the literal it replaces. */
export function formatLiteral(value: KnobValue, style: LiteralStyle): string {
  if (typeof value === 'boolean') return style.python ? (value ? 'True' : 'False') : String(value);
  if (typeof value === 'string') return `${style.quote}${value}${style.quote}`;
  return formatNumber(value);
}

/** Short, exact-enough spelling: 0.003 not 0.0030000000000000005, 1e-4 for small magnitudes. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const short = Number(value.toPrecision(4));
  const abs = Math.abs(short);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? short.toExponential().replace('e+', 'e') : String(short);
}

/** Readable, stable text for descriptions and change keys. */
export function showValue(value: KnobValue): string {
  return typeof value === 'string' ? `'${value}'` : typeof value === 'number' ? formatNumber(value) : String(value);
}
