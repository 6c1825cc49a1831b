/**
 * The detail view's text folded to the terminal's width: a reason, a hypothesis or a description
 * is read in full, never cut. Lines may carry colour (SGR escapes from `show`'s painting), which
 * take no cells: a folded line closes its colour and the next one opens it again. A field's
 * continuation lines hang under its value (`show` pads field names to a column), so the names
 * stay readable down the left edge.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: an SGR escape starts with ESC.
const SGR = /\x1b\[[0-9;]*m/y;
const RESET = '\x1b[0m';
/** Past this a hanging indent leaves too little room: continuation lines start at the left. */
const MAX_HANG = 16;

export function wrapLines(lines: readonly string[], width: number): string[] {
  return lines.flatMap((line) => wrapLine(line, Math.max(1, width)));
}

interface Cell {
  /** The escapes in force before this character, to reopen them on a new line. */
  style: string;
  ch: string;
}

function wrapLine(line: string, width: number): string[] {
  const cells = toCells(line);
  if (cells.length <= width) return [line];
  const hang = hangOf(cells, width);
  const out: string[] = [];
  let from = 0;
  let room = width;
  while (cells.length - from > room) {
    // Break after the last space that fits; a word longer than the line is cut where it must be.
    let end = from + room;
    const space = cells.slice(from, end + 1).findLastIndex((c) => c.ch === ' ');
    if (space > 0) end = from + space;
    out.push(render(cells, from, end, out.length === 0 ? '' : ' '.repeat(hang)));
    from = end;
    while (from < cells.length && cells[from]!.ch === ' ') from++;
    room = width - hang;
  }
  if (from < cells.length) out.push(render(cells, from, cells.length, ' '.repeat(hang)));
  return out;
}

/** What each closing code ends (node's styleText closes a colour with 39, bold with 22, …). */
const CLOSES: Record<string, (open: number) => boolean> = {
  '22': (c) => c === 1 || c === 2,
  '23': (c) => c === 3,
  '24': (c) => c === 4,
  '27': (c) => c === 7,
  '29': (c) => c === 9,
  '39': (c) => (c >= 30 && c <= 38) || (c >= 90 && c <= 97),
  '49': (c) => (c >= 40 && c <= 48) || (c >= 100 && c <= 107),
};

function toCells(line: string): Cell[] {
  const cells: Cell[] = [];
  // The escapes in force, by their first code: a closing code drops those it ends.
  let open: string[] = [];
  for (let i = 0; i < line.length; ) {
    SGR.lastIndex = i;
    const sgr = SGR.exec(line)?.[0];
    if (sgr) {
      const code = sgr.slice(2, -1).split(';')[0] ?? '';
      const closes = CLOSES[code];
      if (code === '' || code === '0') open = [];
      else if (closes) open = open.filter((e) => !closes(Number(e.slice(2, -1).split(';')[0])));
      else open.push(sgr);
      i += sgr.length;
      continue;
    }
    const ch = String.fromCodePoint(line.codePointAt(i)!);
    cells.push({ style: open.join(''), ch });
    i += ch.length;
  }
  return cells;
}

/** Where a field's value starts: after the first run of two or more spaces near the left, else the line's own indent. */
function hangOf(cells: readonly Cell[], width: number): number {
  const text = cells.map((c) => c.ch).join('');
  const field = /^\s*\S+(?: \S+)? {2,}/.exec(text.slice(0, MAX_HANG + 1));
  const hang = field ? field[0].length : /^\s*/.exec(text)![0].length;
  return hang <= MAX_HANG && hang < width / 2 ? hang : 0;
}

function render(cells: readonly Cell[], from: number, to: number, indent: string): string {
  let out = indent;
  let style = '';
  for (let i = from; i < to; i++) {
    const c = cells[i]!;
    if (c.style !== style) {
      out += (style === '' ? '' : RESET) + c.style;
      style = c.style;
    }
    out += c.ch;
  }
  return style === '' ? out : out + RESET;
}
