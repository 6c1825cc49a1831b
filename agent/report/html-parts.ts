/**
 * The few HTML pieces the report is made of. Every text that reaches the page goes through `esc`:
 * descriptions, reasons and diffs come from runs and proposers, and a description such as
 * `<img src=x onerror=…>` must stay text. Markup is built only here and in the callers' literals.
 */
import { printable } from '../text/printable.ts';

/** Markup that is already safe: only `esc`, `html` and the SVG renderers make it. */
export interface Html {
  readonly html: string;
}

const ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML: terminal escapes and control characters made visible first (text/printable.ts), then the markup characters. */
export function esc(text: string): Html {
  return { html: printable(text).replace(/[<>&"']/g, (c) => ENTITIES[c]!) };
}

/** A template of trusted markup whose interpolations are escaped unless they are Html already. */
export function html(strings: TemplateStringsArray, ...values: (string | number | Html | readonly Html[] | null)[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += piece(v) + strings[i + 1]!;
  });
  return { html: out };
}

function piece(v: string | number | Html | readonly Html[] | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return esc(v).html;
  if (Array.isArray(v)) return v.map((h: Html) => h.html).join('');
  return (v as Html).html;
}

/** A table; `rowAttrs` tags rows for readers of the page (data-kept="17"), keys and values escaped. */
export function table(head: readonly string[], rows: readonly (readonly (string | Html)[])[], rowAttrs?: (i: number) => Record<string, string>): Html {
  const cell = (tag: 'td' | 'th', c: string | Html) => html`<${raw(tag)}>${c}</${raw(tag)}>`;
  const attrs = (i: number) =>
    Object.entries(rowAttrs?.(i) ?? {})
      .map(([k, v]) => ` data-${esc(k).html}="${esc(v).html}"`)
      .join('');
  const body = rows.map((r, i) => html`<tr${raw(attrs(i))}>${r.map((c) => cell('td', c))}</tr>`);
  // A table of names and values has no heading row worth a line.
  const thead = head.some((h) => h !== '') ? html`<thead><tr>${head.map((h) => cell('th', h))}</tr></thead>` : null;
  return html`<table>${thead}<tbody>${body}</tbody></table>`;
}

/** A heading and its content, or a sentence when there is nothing to show. */
export function section(id: string, title: string, content: Html | null, none: string): Html {
  return html`<section id="${id}"><h2>${title}</h2>${content ?? html`<p class="none">${none}</p>`}</section>`;
}

/** Rows a table shows at most: the latest ones, with a note; the log has them all. */
export const MAX_ROWS = 1000;

/** The latest MAX_ROWS of `items`, and a note saying so when some are left out (`what`: "changes"; `where`: the command that lists them all). */
export function latest<T>(items: readonly T[], what: string, where: string): { shown: readonly T[]; note: Html | null } {
  if (items.length <= MAX_ROWS) return { shown: items, note: null };
  return { shown: items.slice(-MAX_ROWS), note: html`<p class="note">${`The latest ${MAX_ROWS} of ${items.length} ${what}; ${where} lists them all.`}</p>` };
}

/** Markup made by nightshift itself (never from the log): the SVG renderers' output, tag names. */
export const raw = (markup: string): Html => ({ html: markup });

/** An SVG document made inline: no XML prolog, which HTML does not take. */
export const inlineSvg = (svg: string): Html => raw(svg.replace(/^<\?xml[^>]*\?>\s*/, ''));
