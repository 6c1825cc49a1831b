import { setMarkerValue } from '../../agent/knobs/apply.ts';
import { scanMarkers } from '../../agent/knobs/scan.ts';
import { isCandidate } from '../../agent/session/kinds.ts';
import type { Proposer } from '../../agent/proposers/types.ts';

export interface SaltOptions {
  /** Every `realShare`-th proposal (all at 1, none at 0) also moves `step` by `stepBy`. */
  stepBy: number;
  realShare?: number;
  /** Proposals say they only remove something (a REMOVE spec), so the rule treats them as simplifications. */
  simplifies?: boolean;
  /** Before anything else, ablate `wobble` (3 runs): an unstable group in the session's noise when the truth scales its noise. */
  unstableFirst?: boolean;
}

/**
 * A proposer for benchmarks that never runs dry: each proposal sets the `salt` knob to a new
 * value (fresh noise, no effect); every `realShare`-th proposal also moves the `step` knob by
 * `stepBy` (a known effect, if the sandbox's truth gives it one). A proposal that moves `step`
 * says so first in its description ("step 3 -> 4").
 */
export function saltProposer({ stepBy, realShare = 1, simplifies = false, unstableFirst = false }: SaltOptions): Proposer {
  return {
    name: 'bench-salt',
    async propose(ctx) {
      const markers = scanMarkers(ctx.workspace.dir, ctx.sandbox.editable);
      const salt = markers.find((m) => m.name === 'salt');
      if (!salt) throw new Error('the bench sandbox needs a `salt` knob');
      let text = ctx.workspace.read(salt.file);
      const wobble = markers.find((m) => m.name === 'wobble');
      if (unstableFirst && wobble && !ctx.history.some((e) => e.description === 'ablate wobble')) {
        ctx.workspace.write(wobble.file, setMarkerValue(text, wobble, false));
        const spec = [{ part: 'wobble', action: 'REMOVE' as const, from: 'true', to: 'false' }];
        return { kind: 'ablation', description: 'ablate wobble', hypothesis: null, changeKey: null, spec, minRuns: 3 };
      }
      const k = ctx.history.filter(isCandidate).length + 1;
      const real = Math.floor(k * realShare) > Math.floor((k - 1) * realShare);
      const step = markers.find((m) => m.name === 'step');
      const moves = step !== undefined && stepBy !== 0 && real;
      if (moves) text = setMarkerValue(text, step, Number(step.value) + stepBy);
      text = setMarkerValue(text, salt, ctx.history.length + 1);
      ctx.workspace.write(salt.file, text);
      const what = moves ? `step ${step.value} -> ${Number(step.value) + stepBy}` : `salt -> ${ctx.history.length + 1}`;
      const spec = simplifies ? [{ part: 'salt', action: 'REMOVE' as const, from: String(salt.value), to: String(ctx.history.length + 1) }] : null;
      return { kind: 'tweak', description: what, hypothesis: null, changeKey: null, spec, minRuns: 1 };
    },
  };
}
