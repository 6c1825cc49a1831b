import type { SandboxConfig } from '../config/load.ts';
import type { AblationSpec, ExperimentRow } from '../store/types.ts';
import type { Workspace } from '../workspace/workspace.ts';
import type { PlanPhase } from './plan-estimate.ts';

export interface ProposalContext {
  /** At the last kept commit, clean; the proposer makes its change here. */
  workspace: Workspace;
  sandbox: SandboxConfig;
  /** Every experiment of the session so far, oldest first. */
  history: readonly ExperimentRow[];
  signal?: AbortSignal;
  /** Tells the user something went wrong but the session goes on (e.g. a fallback). */
  warn?: (message: string) => void;
}

export interface Proposal {
  kind: 'ablation' | 'interaction' | 'tweak' | 'llm';
  description: string;
  hypothesis: string | null;
  /** Identity of the change, so a proposer never proposes the same thing twice. */
  changeKey: string | null;
  spec: AblationSpec[] | null;
  /** Runs the candidate must get before a verdict (an ablation wants an interval, not a screen). */
  minRuns: number;
  /**
   * Set on a point of a designed experiment ('factorial'): the loop runs it on a fresh seed and
   * records it for the design's analysis, never as a keep candidate.
   */
  design?: 'factorial';
  /** Who made it, when not the session's proposer itself (e.g. 'planner (fallback)'). */
  proposer?: string;
  /** Called with the experiment's id once the loop has recorded the proposal (links LLM turns to it). */
  recorded?: (experimentId: number) => void;
}

export interface Proposer {
  readonly name: string;
  /**
   * Whether propose() may be called several times at once, each with a workspace of its own: the
   * parallel loop then asks for one proposal per free slot. An LLM's calls take tens of seconds and
   * are independent; the planner answers at once and derives each change from the log, so it is
   * asked one at a time (two calls at once would propose the same change).
   */
  readonly concurrent?: boolean;
  /** Makes one change in the workspace and describes it; null when there is nothing left to try. */
  propose(ctx: ProposalContext): Promise<Proposal | null>;
  /**
   * Called as each run starts, so the next proposal can be prepared while the GPU trains. It must
   * leave ctx.workspace as it is (the run is using it) and resolve as soon as the work is started.
   */
  prefetch?(ctx: ProposalContext): Promise<void>;
  /** The phases it means to run, for the plan printed at the start (absent: open-ended, as an LLM's). */
  plan?(ctx: Pick<ProposalContext, 'workspace' | 'sandbox'>): PlanPhase[];
  /** Releases what the proposer holds (work in flight, scratch checkouts) when the session ends. */
  close?(): Promise<void>;
}
