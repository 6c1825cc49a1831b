/**
 * A line of the dashboard as separately rendered pieces, cut to the terminal's width here.
 *
 * Why not one <Text> per line: Ink 6.8 caches the measurement of every distinct text it ever
 * lays out, with no eviction (vadimdemedes/ink#986). A line that carries a clock, a step count
 * and a sparkline is a new string every frame, and a night of frames would pile up in those
 * caches. Split into pieces, each changing value is a short string from a small set (a clock
 * of seconds, a step count), so the caches stop growing; and since every piece fits, Ink never
 * wraps (which has a cache of its own).
 */
export interface Piece {
  key: string;
  text: string;
  colour?: string;
  bold?: boolean;
  /** The piece that gives up its tail when the line is too long (a description, a status). */
  flex?: boolean;
}

const FLEX_MIN = 12;

const cut = (text: string, width: number) => (text.length <= width ? text : width <= 1 ? '…'.slice(0, width) : `${text.slice(0, width - 1)}…`);

export function fitPieces(pieces: readonly Piece[], width: number): Piece[] {
  let out = pieces.filter((p) => p.text !== '');
  const total = () => out.reduce((s, p) => s + p.text.length, 0);
  const flex = out.find((p) => p.flex);
  if (flex && total() > width) {
    const room = Math.max(FLEX_MIN, flex.text.length - (total() - width));
    out = out.map((p) => (p === flex ? { ...p, text: cut(p.text, room) } : p));
  }
  while (total() > width && out.length > 1) {
    const drop = out.findLastIndex((p) => !p.flex);
    out = out.filter((_, i) => i !== (drop === -1 ? out.length - 1 : drop));
  }
  if (total() > width) out = out.map((p) => ({ ...p, text: cut(p.text, width) }));
  return out;
}
