/** "What was learned", the report's first section in Markdown: the `learned` object for a person. */
import { num, signed } from '../format/numbers.ts';
import { DELTA_AT_DECISION, DELTA_REMEASURED } from '../session/kept-deltas.ts';
import type { Learned } from './learned.ts';
import { interval } from './md.ts';
import { SUGGESTION_RULES } from './suggestions.ts';
import type { SessionReport } from './summary.ts';

const withInterval = (delta: number | null, ci: [number, number] | null) => `${signed(delta)} ${ci ? interval(ci[0], ci[1]) : '(no interval)'}`;

export function learnedMarkdown(r: Pick<SessionReport, 'learned' | 'metric'>): string[] {
  const l = r.learned;
  const out = ['## What was learned', ''];
  const list = (title: string, none: string, items: string[]) => out.push(`**${title}**`, '', ...(items.length > 0 ? items.map((i) => `- ${i}`) : [none]), '');

  list(
    'Kept changes',
    'No change was kept.',
    l.kept.map(
      (k) =>
        `#${k.experiment} ${k.description}${k.simplification ? ' (a simplification)' : ''}: ${DELTA_AT_DECISION} ${withInterval(k.delta_at_decision, k.at_decision_ci)}; ` +
        (k.delta_remeasured === null ? `${DELTA_REMEASURED}: not measured yet` : `${DELTA_REMEASURED} ${withInterval(k.delta_remeasured, k.remeasured_ci)}`),
    ),
  );
  list('Components that matter (significant effects)', 'None measured as significant.', [
    ...l.effects.map(
      (e) =>
        `${e.component} (${e.change}): ${e.verdict}, ablating it ${e.verdict === 'needed' ? 'worsens' : 'improves'} ${r.metric} by ${signed(e.delta)} ${interval(e.ci_low, e.ci_high)} (#${e.experiment})`,
    ),
    ...l.interactions.map(
      (i) => `${i.a} × ${i.b}: interaction ${signed(i.interaction)} ${interval(i.ci_low, i.ci_high)}, they do not simply add up (#${i.experiment})`,
    ),
  ]);
  list(
    'Dispensable components (no effect the session could see)',
    'None: every component measured had a significant effect, or none was measured.',
    l.dispensable.map(
      (d) =>
        `${d.component} (${d.change}): Δ ${signed(d.delta)} ${interval(d.ci_low, d.ci_high)} over ${d.n} runs; ` +
        (d.mde80 === null
          ? 'no noise estimate, so no bound'
          : `effects beyond ±${num(d.half_width)} are ruled out, and one of ${num(d.mde80)} would have shown with 80% power`),
    ),
  );
  if (l.dispensable.length > 0)
    out.push(
      "The smallest effect the session could have seen is the minimum detectable effect at 80% power of the component's own table, " +
        '(t(1 − α/2m, df) + t(0.80, df)) × SE with the Bonferroni split of the table (m rows, α 0.05) and its pooled noise; ±half-width is its simultaneous interval.',
      '',
    );
  list(
    'Invalid runs',
    'None.',
    l.invalid.map((i) => `#${i.experiment} ${i.description}: ${i.reason}`),
  );
  out.push('**Cost**', '', costText(l.cost), '');
  list(
    'What to try next',
    'Nothing the rules below suggest.',
    l.next.map((s) => `${s.text} (${s.rule})`),
  );
  out.push(
    `Rules: ${Object.entries(SUGGESTION_RULES)
      .map(([name, rule]) => `${name}: ${rule}`)
      .join('; ')}.`,
    '',
  );
  return out;
}

function costText(c: Learned['cost']): string {
  const hours = `${c.runs} runs, ${num(c.gpu_hours, 3)} GPU hours (each run's wall time, start to end, times the GPUs it held)`;
  if (c.tokens_in + c.tokens_out === 0) return `${hours}; no LLM tokens.`;
  const turns = c.llm_turns === null ? '' : ` over ${c.llm_turns} requests`;
  return `${hours}; Claude: ${c.tokens_in} tokens in, ${c.tokens_out} out${turns}, $${c.cost_usd.toFixed(2)}.`;
}
