/**
 * When the night ends: `--hours H` and `--until HH:MM` become one absolute time, stored with the
 * session (so a resumed session keeps the morning it was given, not a fresh H hours).
 */

/** H hours (decimal) from now. */
export function deadlineAfterHours(hours: number, now: Date): Date {
  return new Date(now.getTime() + hours * 3600_000);
}

/** The next HH:MM in local time: 07:00 asked at 23:00 is tomorrow's; asked at 06:00, today's. */
export function nextTimeOfDay(hhmm: string, now: Date): Date {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const at = new Date(now.getFullYear(), now.getMonth(), now.getDate(), h, m, 0, 0);
  if (at.getTime() <= now.getTime()) at.setDate(at.getDate() + 1);
  return at;
}

/** A local time of day, as a user asked for it: 07:00; with seconds where it has them (--hours 0.01). */
export function clockTime(iso: string): string {
  const at = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  const hm = `${two(at.getHours())}:${two(at.getMinutes())}`;
  return at.getSeconds() === 0 ? hm : `${hm}:${two(at.getSeconds())}`;
}

/** A span in words, rounded to what matters at its size: 40 s, 17 min, 2 h 10 min. */
export function span(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const rest = min % 60;
  return rest === 0 ? `${Math.floor(min / 60)} h` : `${Math.floor(min / 60)} h ${rest} min`;
}
