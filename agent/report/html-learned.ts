/** "What was learned" (summary.ts's `learned`, made by learned.ts) as the top of the HTML report. */
import { num, signed } from '../format/numbers.ts';
import { DELTA_AT_DECISION, DELTA_REMEASURED } from '../session/kept-deltas.ts';
import type { Learned } from './learned.ts';
import { html, type Html, latest, table } from './html-parts.ts';
import { SUGGESTION_RULES } from './suggestions.ts';

const interval = (ci: readonly [number, number] | null) => (ci === null ? '' : ` [${signed(ci[0])}, ${signed(ci[1])}]`);
const delta = (d: number | null, ci: readonly [number, number] | null) => (d === null ? '-' : `${signed(d)}${interval(ci)}`);

export function learnedHtml(l: Learned, metric: string): Html {
  const parts: Html[] = [];
  const kept = latest(l.kept, 'kept changes', '`nightshift log --kept`');
  if (l.kept.length > 0)
    parts.push(
      html`<h3>Kept changes</h3>${kept.note}`,
      table(
        ['#', 'change', `${DELTA_AT_DECISION} [95% interval]`, `${DELTA_REMEASURED} [95% interval]`],
        kept.shown.map((k) => [
          String(k.experiment),
          `${k.description}${k.simplification ? ' (simpler, not worse)' : ''}`,
          delta(k.delta_at_decision, k.at_decision_ci),
          delta(k.delta_remeasured, k.remeasured_ci),
        ]),
      ),
    );
  else parts.push(html`<p>No change was kept.</p>`);
  if (l.effects.length > 0)
    parts.push(
      html`<h3>Significant effects</h3>`,
      table(
        ['component', 'change', `Δ ${metric}`, 'interval', 'verdict', '#'],
        l.effects.map((e) => [e.component, e.change, signed(e.delta), ciText(e), e.verdict, String(e.experiment)]),
      ),
    );
  if (l.interactions.length > 0)
    parts.push(
      html`<h3>Significant interactions</h3>`,
      table(
        ['a', 'b', 'interaction', 'interval', '#'],
        l.interactions.map((x) => [x.a, x.b, signed(x.interaction), ciText(x), String(x.experiment)]),
      ),
    );
  if (l.dispensable.length > 0)
    parts.push(
      html`<h3>Dispensable as far as measured</h3>`,
      html`<p>Ablating these changed nothing the session could see: effects beyond the interval's half-width are ruled out, and one as large as the 80% column would have shown with 80% power.</p>`,
      table(
        ['component', 'change', 'Δ', 'interval', 'runs', 'ruled out beyond ±', 'seen with 80% power', '#'],
        l.dispensable.map((d) => [d.component, d.change, signed(d.delta), ciText(d), String(d.n), num(d.half_width), num(d.mde80), String(d.experiment)]),
      ),
    );
  if (l.invalid.length > 0)
    parts.push(
      html`<h3>Invalid runs</h3>`,
      table(
        ['#', 'kind', 'description', 'why'],
        l.invalid.map((i) => [String(i.experiment), i.kind, i.description, i.reason]),
      ),
    );
  const c = l.cost;
  const llm =
    c.tokens_in + c.tokens_out > 0
      ? ` · ${c.tokens_in} tokens in, ${c.tokens_out} out, $${c.cost_usd.toFixed(2)}${c.llm_turns === null ? '' : ` over ${c.llm_turns} requests`}`
      : '';
  parts.push(html`<h3>Cost</h3><p data-field="cost">${`${c.runs} runs · ${num(c.gpu_hours, 3)} GPU hours${llm}`}</p>`);
  if (l.next.length > 0)
    parts.push(
      html`<h3>What to try next</h3>`,
      html`<ul>${l.next.map((s) => html`<li>${s.text} <span class="rule">(${s.rule})</span></li>`)}</ul>`,
      html`<p class="note">${`Rules: ${Object.entries(SUGGESTION_RULES)
        .filter(([name]) => l.next.some((s) => s.rule === name))
        .map(([name, rule]) => `${name}: ${rule}`)
        .join('; ')}.`}</p>`,
    );
  return html`${parts}`;
}

const ciText = (x: { ci_low: number | null; ci_high: number | null }) =>
  x.ci_low === null || x.ci_high === null ? 'no noise estimate' : `[${signed(x.ci_low)}, ${signed(x.ci_high)}]`;
