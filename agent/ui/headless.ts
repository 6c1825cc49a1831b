import { num, seconds, signed } from '../format/numbers.ts';
import type { LoopEvent } from '../loop/events.ts';
import { rowGpus } from '../query/row-gpus.ts';
import { placeText } from '../query/slots.ts';
import type { ExperimentRow } from '../store/types.ts';
import { DELTA_AT_DECISION } from '../session/kept-deltas.ts';
import { printable } from '../text/printable.ts';
import { planText } from './plan-text.ts';
import { statedTrainingS } from './training-time.ts';

/**
 * One plain line per event (steps are left out: they are in the log). For pipes, files and
 * --headless. Descriptions, reasons and warnings can quote a run's output or an LLM's words, so
 * the whole line is made printable: no escape sequence reaches the terminal.
 */
export function headlessLine(event: LoopEvent): string | null {
  const line = rawLine(event);
  return line === null ? null : printable(line);
}

function rawLine(event: LoopEvent): string | null {
  switch (event.type) {
    case 'session-started': {
      const s = event.session;
      const how = event.resumed ? `resumed session ${s.id}` : `session ${s.id} started`;
      const lost = event.interrupted.length > 0 ? `; re-running interrupted #${event.interrupted.map((e) => e.id).join(', #')}` : '';
      return `${how}: ${s.sandbox} (${s.metric}, ${s.goal}, ${s.seal}), proposer ${s.proposer}, rule ${s.decision_rule}, budget ${s.budget_s} s, workspace ${s.workspace}${lost}`;
    }
    case 'plan':
      return planText(event);
    case 'proposing':
      return null;
    case 'run-started': {
      const e = event.experiment;
      const llm = e.tokens_in + e.tokens_out > 0 ? `${e.proposer}: ${e.tokens_in} tokens in, ${e.tokens_out} out, $${e.cost_usd.toFixed(4)}` : null;
      // Baselines, controls and confirmations name their seed already.
      const seed = new RegExp(`\\bseed ${e.seed}$`).test(e.description) ? null : `seed ${e.seed}`;
      const extra = [seed, llm].filter((x) => x !== null);
      return `${tag(e)} started: ${e.description}${extra.length > 0 ? ` (${extra.join('; ')})` : ''}`;
    }
    case 'run-placed': {
      // Said when an executor places a run (a Slurm job leaving the queue gets its node only then).
      const e = event.experiment;
      const where = placeText({ node: e.node ?? null, gpus: rowGpus(e.gpus) });
      return where === '' ? null : `${tag(e)} on ${where}${e.gpu_model ? ` (${e.gpu_model})` : ''}`;
    }
    case 'run-step':
      return null;
    case 'run-finished': {
      const e = event.experiment;
      const metric = e.status === 'done' ? ` ${num(e.metric)}` : '';
      // The script's own clock, where it states one: the rest of the run was start-up and saving.
      const trained = statedTrainingS(e.final_json);
      const training = trained === null ? '' : ` (training ${seconds(trained)})`;
      const evaluated = e.eval_s === null ? '' : ` + ${seconds(e.eval_s)} evaluation`;
      return `${tag(e)} ${e.status}${metric} in ${seconds(e.run_s)}${training}${evaluated}${e.reason ? ` (${e.reason})` : ''}`;
    }
    case 'decided': {
      const e = event.experiment;
      return `${tag(e)} ${e.decision}: ${e.description}; ${DELTA_AT_DECISION} ${signed(e.delta)}; ${e.reason}`;
    }
    case 'rejected':
      return `${tag(event.experiment)} rejected: ${event.experiment.description}; ${event.experiment.reason}`;
    case 'stop-requested':
      return event.now ? 'stopping now: the run in flight is interrupted' : 'stopping after the run in flight (Ctrl-C again to stop it now)';
    case 'warning':
      return `warning: ${event.message}`;
    case 'session-ended': {
      const s = event.session;
      return `session ${s.id} ${s.status}: ${s.end_reason ?? ''}`;
    }
  }
}

export function printHeadless(write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)) {
  return (event: LoopEvent) => {
    const line = headlessLine(event);
    if (line !== null) write(line);
  };
}

function tag(e: Pick<ExperimentRow, 'id' | 'kind'>): string {
  return `#${e.id} ${e.kind}`;
}
