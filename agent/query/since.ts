import { UserError } from '../errors.ts';

const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * `--since 2h` (s, m, h, d, w; decimals allowed) or an ISO date/time, as the ISO instant to
 * compare with: timestamps in the log are toISOString() values, so string order is time order.
 */
export function sinceInstant(text: string, now: number = Date.now()): string {
  const relative = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text.trim());
  const ms = relative ? now - Number(relative[1]) * UNIT_S[relative[2]!]! * 1000 : Date.parse(text);
  if (!Number.isFinite(ms)) throw new UserError(`--since must be a duration like 30m, 2h, 1d or a date like 2025-01-31T22:00, got '${text}'`);
  return new Date(ms).toISOString();
}
