import type { PlanEvent, SessionLimits } from '../loop/events.ts';
import { clockTime, span } from '../format/time.ts';
import type { PlanPhase } from '../proposers/plan-estimate.ts';

/**
 * The plan in one line, for the headless printer and the dashboard's header:
 * "plan: baseline 5 runs, ablations 21 runs (7×3), knobs open-ended (…); about 2 h 40 min for 26
 * runs at 390 s per run (budget + grace until a run is measured), more for the open-ended; limits: …".
 */
export function planText(event: PlanEvent): string {
  const runs = event.phases.reduce((n, p) => n + (p.runs ?? 0), 0);
  const pace = `${Math.round(event.perRunS)} s per run${event.perRunMeasured ? '' : ' (budget + grace until a run is measured)'}`;
  const open = event.phases.some((p) => p.runs === null) ? ', more for the open-ended' : '';
  return `plan: ${event.phases.map(phaseText).join(', ')}; about ${span(event.estimateS)} for ${runsOf(runs)} at ${pace}${open}; ${limitsText(event.limits, event.perRunS)}`;
}

function phaseText(p: PlanPhase): string {
  const note = p.note ? ` (${p.note})` : '';
  if (p.runs === null) return `${p.name} open-ended${note}`;
  return `${p.name} ${p.atMost ? '≤ ' : ''}${runsOf(p.runs)}${note}`;
}

function limitsText(limits: SessionLimits, perRunS: number): string {
  const parts: string[] = [];
  if (limits.maxExperiments !== null) parts.push(`${limits.maxExperiments} ${limits.maxExperiments === 1 ? 'decision' : 'decisions'}`);
  if (limits.maxRuns !== null) parts.push(runsOf(limits.maxRuns));
  if (limits.deadline) {
    const fit = Math.floor(limits.deadline.leftS / perRunS);
    parts.push(`ends by ${clockTime(limits.deadline.at)} (${span(limits.deadline.leftS)} from now, about ${runsOf(fit)})`);
  }
  return parts.length === 0 ? 'no limits (q or Ctrl-C ends it)' : `limits: ${parts.join(', ')}`;
}

const runsOf = (n: number): string => `${n} ${n === 1 ? 'run' : 'runs'}`;

/** An LLM's agenda in one line: its first item, and how many follow. */
export function agendaLine(plan: string): string {
  const items = plan
    .split('\n')
    .map((line) => line.replace(/^\s*(?:[-*+]|\d+[.)])\s+/, '').trim())
    .filter((line) => line !== '');
  const more = items.length - 1;
  return `agenda: ${items[0] ?? ''}${more > 0 ? ` (+${more} more)` : ''}`;
}
