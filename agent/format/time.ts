/** Times and spans in words, as the CLI, the dashboard, the report and the LLM's context show them. */

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
