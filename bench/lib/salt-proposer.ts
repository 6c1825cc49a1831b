import { setMarkerValue } from '../../agent/knobs/apply.ts';
import { scanMarkers } from '../../agent/knobs/scan.ts';
import type { Proposer } from '../../agent/proposers/types.ts';

/**
 * A proposer for benchmarks that never runs dry: each proposal sets the `salt` knob to a new
 * value (fresh noise, no effect) and moves the `step` knob by `stepBy` (a known effect, if the
 * sandbox's truth gives it one).
 */
export function saltProposer(stepBy: number): Proposer {
  return {
    name: 'bench-salt',
    async propose(ctx) {
      const markers = scanMarkers(ctx.workspace.dir, ctx.sandbox.editable);
      const salt = markers.find((m) => m.name === 'salt');
      if (!salt) throw new Error('the bench sandbox needs a `salt` knob');
      let text = ctx.workspace.read(salt.file);
      const step = markers.find((m) => m.name === 'step');
      if (step && stepBy !== 0) text = setMarkerValue(text, step, Number(step.value) + stepBy);
      text = setMarkerValue(text, salt, ctx.history.length + 1);
      ctx.workspace.write(salt.file, text);
      const what = step && stepBy !== 0 ? `step ${step.value} -> ${Number(step.value) + stepBy}` : `salt -> ${ctx.history.length + 1}`;
      return { kind: 'tweak', description: what, hypothesis: null, changeKey: null, spec: null, minRuns: 1 };
    },
  };
}
