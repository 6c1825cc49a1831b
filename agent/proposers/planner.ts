import { setMarkerValue } from '../knobs/apply.ts';
import { showValue, type KnobValue } from '../knobs/literal.ts';
import type { Marker } from '../knobs/markers.ts';
import { scanMarkers } from '../knobs/scan.ts';
import type { AblationSpec, Proposal, ProposalContext, Proposer } from './types.ts';
import { neighbours } from './neighbours.ts';

export interface PlannerOptions {
  /** Runs per ablation before its verdict, so each effect gets a confidence interval. */
  ablationRuns: number;
}

/**
 * The offline planner: leave-one-component-out over every `@ablate` marker, then a pattern
 * search over the `@knob` markers. It edits only the literal on a marked line, and it is a
 * function of the workspace and the log alone, so a resumed session continues where it was.
 */
export class Planner implements Proposer {
  readonly name = 'planner';

  constructor(private readonly options: PlannerOptions) {}

  async propose(ctx: ProposalContext): Promise<Proposal | null> {
    const markers = scanMarkers(ctx.workspace, ctx.sandbox.editable);
    const tried = new Set(ctx.history.map((e) => e.change_key).filter((k): k is string => k !== null));
    const next = this.nextAblation(markers, tried) ?? this.nextTweak(markers, tried);
    if (!next) return null;
    const { marker, value, proposal } = next;
    ctx.workspace.write(marker.file, setMarkerValue(ctx.workspace.read(marker.file), marker, value));
    return proposal;
  }

  private nextAblation(markers: Marker[], tried: Set<string>) {
    for (const marker of markers.filter((m) => m.marker === 'ablate')) {
      for (const value of marker.alternatives) {
        const changeKey = `ablate ${marker.name}=${showValue(value)}`;
        if (value === marker.value || tried.has(changeKey)) continue;
        const spec = ablationSpec(marker, value);
        return {
          marker,
          value,
          proposal: {
            kind: 'ablation',
            description: `ablate ${marker.name}: ${showValue(marker.value)} -> ${showValue(value)}`,
            hypothesis: `${marker.name} contributes to the metric; ${spec.action === 'REMOVE' ? 'removing' : 'replacing'} it changes it`,
            changeKey,
            spec: [spec],
            minRuns: this.options.ablationRuns,
          } satisfies Proposal,
        };
      }
    }
    return undefined;
  }

  private nextTweak(markers: Marker[], tried: Set<string>) {
    const assignment = new Map(markers.map((m) => [m.name, m.value] as const));
    const configKey = (name: string, value: KnobValue) =>
      'config ' + [...assignment].map(([n, v]) => `${n}=${showValue(n === name ? value : v)}`).join(' ');
    for (const marker of markers.filter((m) => m.marker === 'knob')) {
      for (const value of neighbours(marker)) {
        const changeKey = configKey(marker.name, value);
        if (tried.has(changeKey)) continue;
        return {
          marker,
          value,
          proposal: {
            kind: 'tweak',
            description: `tweak ${marker.name}: ${showValue(marker.value)} -> ${showValue(value)}`,
            hypothesis: `${marker.name}=${showValue(value)} does better than ${showValue(marker.value)}`,
            changeKey,
            spec: null,
            minRuns: 1,
          } satisfies Proposal,
        };
      }
    }
    return undefined;
  }
}

function ablationSpec(marker: Marker, value: KnobValue): AblationSpec {
  const removes = value === false || value === 0 || value === 'none';
  return { part: marker.name, action: removes ? 'REMOVE' : 'REPLACE', from: showValue(marker.value), to: showValue(value) };
}
