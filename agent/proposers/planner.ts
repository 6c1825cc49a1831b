import { setMarkerValue } from '../knobs/apply.ts';
import { showValue, type KnobValue } from '../knobs/literal.ts';
import type { Marker } from '../knobs/markers.ts';
import { scanMarkers } from '../knobs/scan.ts';
import type { AblationSpec } from '../store/types.ts';
import type { Proposal, ProposalContext, Proposer } from './types.ts';
import { ablationSpec } from './ablation-spec.ts';
import { FACTORIAL, nextFactorialPoint } from './factorial-points.ts';
import { nextInteractionStep } from './interactions.ts';
import { nextKnobMove } from './knob-search.ts';
import { plannerPlan, type PlanPhase } from './plan-estimate.ts';

/** One proposal and the marker edits that make it. */
interface Step {
  edits: { marker: Marker; value: KnobValue }[];
  proposal: Proposal;
}

export interface PlannerOptions {
  /** Runs per ablation before its verdict, so each effect gets a confidence interval. */
  ablationRuns: number;
  /** Pairwise interaction tests among this many components with the largest effects (0 = none). */
  interactionTop: number;
  /** Pairwise tests among this many components with the smallest, non-significant effects: redundancy candidates (absent = none). */
  redundancyTop?: number;
  /** loco (absent): leave one component out, then pairs; factorial: a fractional factorial design over the components instead. */
  design?: 'loco' | 'factorial';
  /** The session's --baseline-runs, for the plan's count of the factorial design's passes only. */
  baselineRuns?: number;
}

/**
 * The offline planner: leave-one-component-out over every `@ablate` marker, then pairwise
 * interaction tests among the strongest components and among the weakest (redundancy), or with
 * `design: 'factorial'` a fractional factorial design over the components instead of both; then
 * a pattern search over the `@knob` markers. It edits only the literal on a marked line, and it is a
 * function of the workspace and the log alone, so a resumed session continues where it was.
 */
export class Planner implements Proposer {
  readonly name = 'planner';

  constructor(private readonly options: PlannerOptions) {}

  async propose(ctx: ProposalContext): Promise<Proposal | null> {
    const markers = scanMarkers(ctx.workspace.dir, ctx.sandbox.editable);
    const tried = new Set(ctx.history.map((e) => e.change_key).filter((k): k is string => k !== null));
    const next =
      this.options.design === 'factorial'
        ? (this.nextDesignPoint(ctx, markers, tried, await ctx.workspace.git.head()) ?? this.nextTweak(ctx, markers, tried))
        : (this.nextAblation(markers, tried) ??
          this.nextInteraction(ctx, markers, tried, await ctx.workspace.git.head()) ??
          this.nextTweak(ctx, markers, tried));
    if (!next) return null;
    // Edits bottom-up in each file, so an earlier edit never shifts a later marker's position.
    for (const { marker, value } of [...next.edits].sort((a, b) => b.marker.line - a.marker.line)) {
      ctx.workspace.write(marker.file, setMarkerValue(ctx.workspace.read(marker.file), marker, value));
    }
    return next.proposal;
  }

  plan(ctx: Pick<ProposalContext, 'workspace' | 'sandbox'>): PlanPhase[] {
    return plannerPlan(scanMarkers(ctx.workspace.dir, ctx.sandbox.editable), this.options);
  }

  private nextInteraction(ctx: ProposalContext, markers: Marker[], tried: Set<string>, head: string): Step | undefined {
    const options = { top: this.options.interactionTop, redundancyTop: this.options.redundancyTop ?? 0 };
    if (options.top < 2 && options.redundancyTop < 2) return undefined;
    const step = nextInteractionStep(ctx.history, head, markers, options, tried);
    if (!step) return undefined;
    if (step.type === 'remeasure') {
      const { marker, value, spec } = step.edit;
      return {
        edits: [{ marker, value }],
        proposal: {
          ...this.ablation(marker, value, spec, step.changeKey),
          description: `ablate ${spec.part}: ${spec.from} -> ${spec.to} (again, on the new baseline, for the interaction tests)`,
        },
      };
    }
    const [a, b] = step.edits.map((e) => e.spec) as [AblationSpec, AblationSpec];
    return {
      edits: step.edits,
      proposal: {
        kind: 'interaction',
        description: `interaction: ablate ${a.part} (${a.from} -> ${a.to}) and ${b.part} (${b.from} -> ${b.to}) together`,
        hypothesis: `removing ${a.part} and ${b.part} together costs more (or less) than the sum of removing each`,
        changeKey: step.changeKey,
        spec: [a, b],
        minRuns: this.options.ablationRuns,
      },
    };
  }

  /**
   * --design factorial: the design's points in turn (agent/proposers/factorial-points.ts), each on a
   * fresh seed. A point is measured for the analysis, never kept (the loop sees `design`).
   */
  private nextDesignPoint(ctx: ProposalContext, markers: Marker[], tried: Set<string>, head: string): Step | undefined {
    const point = nextFactorialPoint(ctx.history, markers, head, tried);
    if (!point) return undefined;
    const names = point.edits.map((e) => `${e.spec.part} (${e.spec.from} -> ${e.spec.to})`).join(', ');
    return {
      edits: point.edits,
      proposal: {
        kind: point.edits.length === 1 ? 'ablation' : 'interaction',
        description: `design point ${point.index} of ${point.of}, pass ${point.pass}: ablate ${names}`,
        hypothesis: null,
        changeKey: point.changeKey,
        spec: point.edits.map((e) => e.spec),
        minRuns: 1,
        design: FACTORIAL,
      },
    };
  }

  private ablation(marker: Marker, value: KnobValue, spec: AblationSpec, changeKey: string): Proposal {
    return {
      kind: 'ablation',
      description: `ablate ${marker.name}: ${showValue(marker.value)} -> ${showValue(value)}`,
      hypothesis: `${marker.name} contributes to the metric; ${spec.action === 'REMOVE' ? 'removing' : 'replacing'} it changes it`,
      changeKey,
      spec: [spec],
      minRuns: this.options.ablationRuns,
    };
  }

  private nextAblation(markers: Marker[], tried: Set<string>): Step | undefined {
    for (const marker of markers.filter((m) => m.marker === 'ablate')) {
      for (const value of marker.alternatives) {
        const changeKey = `ablate ${marker.name}=${showValue(value)}`;
        if (value === marker.value || tried.has(changeKey)) continue;
        return { edits: [{ marker, value }], proposal: this.ablation(marker, value, ablationSpec(marker, value), changeKey) };
      }
    }
    return undefined;
  }

  /** Phase 3: the next `@knob` configuration (agent/proposers/knob-search.ts). */
  private nextTweak(ctx: ProposalContext, markers: Marker[], tried: Set<string>): Step | undefined {
    const move = nextKnobMove(markers, ctx.history, tried, ctx.sandbox.goal);
    if (!move) return undefined;
    const { edits, changeKey, description, hypothesis } = move;
    return { edits, proposal: { kind: 'tweak', description, hypothesis, changeKey, spec: null, minRuns: 1 } satisfies Proposal };
  }
}
