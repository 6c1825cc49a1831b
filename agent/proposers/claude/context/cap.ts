/**
 * The log summary under a token cap. Tokens are estimated at about four characters each (English
 * and code average a little over that with Claude's tokenizers), which is close enough for a cap
 * and needs no request.
 */
export const CHARS_PER_TOKEN = 4;
/** Room kept for the line saying how many entries were cut. */
const NOTE_CHARS = 60;
export const estimateTokens = (text: string): number => Math.ceil(text.length / CHARS_PER_TOKEN);

/**
 * One section of the summary: a heading (with any lines that must stay with it, such as a
 * table's header) and entries, most important first. A `required` section is always shown whole.
 */
export interface Section {
  heading: string;
  entries: readonly string[];
  required?: boolean;
}

/**
 * The sections in the order given, which is their priority, within `maxTokens`: required ones
 * whole, then each other one's entries in order while they fit, and a line saying how many did
 * not. A section none of whose entries fits is left out, and so is an empty one.
 */
export function capSections(sections: readonly Section[], maxTokens: number): string {
  let left = maxTokens * CHARS_PER_TOKEN;
  const cost = (text: string) => text.length + 2;
  for (const s of sections) if (s.required) left -= cost([s.heading, ...s.entries].join('\n'));
  const shown = sections.map((s) => {
    if (s.required) return [s.heading, ...s.entries].join('\n');
    if (s.entries.length === 0) return '';
    const kept: string[] = [];
    let room = left - cost(s.heading) - NOTE_CHARS;
    for (const entry of s.entries) {
      if (cost(entry) > room) break;
      kept.push(entry);
      room -= cost(entry);
    }
    if (kept.length === 0) return '';
    const cut = s.entries.length - kept.length;
    left = room + (cut > 0 ? 0 : NOTE_CHARS);
    return [s.heading, ...kept, ...(cut > 0 ? [`(${cut} more not shown, to keep this summary short)`] : [])].join('\n');
  });
  return shown.filter((s) => s !== '').join('\n\n');
}
