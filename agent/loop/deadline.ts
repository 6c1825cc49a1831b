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
