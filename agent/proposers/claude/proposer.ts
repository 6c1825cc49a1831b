import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AnthropicError, APIUserAbortError } from '@anthropic-ai/sdk';
import { isCandidate } from '../../session/kinds.ts';
import { ExperimentStore } from '../../store/experiments.ts';
import type { LlmTurnStore } from '../../store/llm-turns.ts';
import type { ExperimentRow } from '../../store/types.ts';
import type { Workspace } from '../../workspace/workspace.ts';
import type { Proposal, ProposalContext, Proposer } from '../types.ts';
import { runAttempt, type TurnRecord } from './attempt.ts';
import { describeApiError, type ClaudeApi } from './client.ts';
import { describeState } from './context.ts';
import { gatherEvidence, type EvidenceSources } from './evidence.ts';
import { openingMessage } from './opening.ts';
import { costOf } from './pricing.ts';
import { agendaSection, agendaTools } from './agenda-tools.ts';
import { proposalOf } from './submit.ts';
import { Scratch } from '../../workspace/scratch.ts';

export interface ClaudeProposerOptions {
  api: ClaudeApi;
  /** The system prompt (rules and programme), the same all session so it stays cached. */
  system: string;
  turns: LlmTurnStore;
  sessionId: number;
  /** The log, the session's options and its keep rule: what the context shows beside the rows. */
  sources: EvidenceSources;
  /** Proposes an experiment when the API stays down past the SDK's retries (the planner). */
  fallback: Proposer;
  /** Model turns per attempt; a failed attempt is retried once with its error, then skipped. */
  maxTurns: number;
  /** Where speculative proposals are made while a run is in flight; null turns speculation off. */
  scratchDir: string | null;
  attempts?: number;
  maxTokens?: number;
  /** When the API is down and the planner has nothing left, wait this long before asking again. */
  outageWaitS?: number;
}

export const FALLBACK_PROPOSER = 'planner (fallback)';
/** After this many proposals in a row that Claude could not make, the planner proposes one. */
const MAX_SKIPS = 3;

type Made = { ok: true; proposal: Proposal } | { ok: false; reason: string };
interface Speculation {
  head: string;
  controller: AbortController;
  /** Never rejects: a speculation that fails is simply not used. */
  result: Promise<{ proposal: Proposal; diff: string } | null>;
}
interface Target {
  workspace: Workspace;
  history: readonly ExperimentRow[];
  sandbox: ProposalContext['sandbox'];
  head: string;
  signal: AbortSignal | undefined;
  proposalId: string;
  speculative: boolean;
}

/**
 * Claude proposes each experiment: it reads the editable files and the log, edits with the text
 * editor tool (confined to the editable files), and submits. API failures past the SDK's retries
 * hand that one experiment to the planner; the next one asks Claude again.
 *
 * While a run is in flight (the loop calls prefetch) the next proposal is made speculatively in
 * a scratch checkout, from the log as it stands, without the result in flight. It is used only
 * if the code it was made on is still the last kept commit when the loop asks; after a keep it
 * is discarded (its turns stay in the log, unlinked) and a fresh proposal is made.
 */
export class ClaudeProposer implements Proposer {
  readonly name = 'claude';
  readonly concurrent = true;
  private speculation: Speculation | undefined;
  private readonly scratch: Scratch | null;
  private readonly experiments: ExperimentStore;

  constructor(private readonly options: ClaudeProposerOptions) {
    this.scratch = options.scratchDir ? new Scratch(options.scratchDir) : null;
    this.experiments = new ExperimentStore(options.sources.db);
  }

  async propose(ctx: ProposalContext): Promise<Proposal | null> {
    const head = await ctx.workspace.git.head();
    const ready = await this.takeSpeculation(head);
    if (ready) {
      try {
        await ctx.workspace.apply(ready.diff);
        return ready.proposal;
      } catch (error) {
        // Broad but not silent: whatever stopped the diff applying is said, and Claude asked afresh.
        await ctx.workspace.resetTo(head);
        ctx.warn?.(`the proposal made during the last run did not apply (${(error as Error).message.split('\n')[0]}): asking Claude afresh`);
      }
    }
    return this.proposeNow(ctx, head);
  }

  /** A run has started: make the next proposal meanwhile, unless one is under way for this code already. */
  async prefetch(ctx: ProposalContext): Promise<void> {
    const scratch = this.scratch;
    if (!scratch) return;
    // Speculation is optional: without a readable head there is none this run, and propose() meets
    // any lasting problem when it reads the head itself.
    const head = await ctx.workspace.git.head().catch(() => null);
    if (head === null || this.speculation?.head === head) return;
    const previous = this.speculation;
    previous?.controller.abort();
    const controller = new AbortController();
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, controller.signal]) : controller.signal;
    const result = (async () => {
      // One speculation at a time in the scratch checkout: a stopped one finishes before the next resets it.
      await previous?.result;
      const workspace = await scratch.at(ctx.workspace, head);
      const made = await this.fromClaude({ ...ctx, workspace, head, signal, proposalId: randomUUID(), speculative: true });
      return made.ok ? { proposal: made.proposal, diff: await workspace.diff() } : null;
    })().catch((error: unknown) => {
      // A stopped speculation (stale, or the session ending) and an API failure are expected: the
      // next proposal is made afresh. Anything else is a bug, reported rather than dropped.
      if (!(error instanceof AnthropicError) && !signal.aborted) {
        const why = error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error);
        ctx.warn?.(`the speculative proposal failed unexpectedly (${why}): the next proposal is made afresh`);
      }
      return null;
    });
    this.speculation = { head, controller, result };
  }

  async close(): Promise<void> {
    this.speculation?.controller.abort();
    await this.speculation?.result;
    this.speculation = undefined;
    await this.scratch?.remove();
  }

  private async proposeNow(ctx: ProposalContext, head: string): Promise<Proposal | null> {
    const proposalId = randomUUID();
    const linked = (p: Proposal): Proposal => ({ ...p, recorded: (id) => this.options.turns.attach(proposalId, id) });
    const nothing = (description: string) => linked({ kind: 'llm', description, hypothesis: null, changeKey: null, spec: null, minRuns: 1 });
    if (trailingSkips(ctx.history) >= MAX_SKIPS) {
      ctx.warn?.(`Claude could not make a usable change ${MAX_SKIPS} times in a row: the planner proposes this experiment`);
      return this.planned(ctx, linked);
    }
    for (;;) {
      try {
        const made = await this.fromClaude({ ...ctx, head, signal: ctx.signal, proposalId, speculative: false });
        // A skipped proposal changes nothing: the loop records it as rejected, with the reason.
        return made.ok ? made.proposal : nothing(`no change: ${made.reason}`);
      } catch (error) {
        await ctx.workspace.resetTo(head);
        if (error instanceof APIUserAbortError || ctx.signal?.aborted) return nothing('stopped while Claude was proposing');
        if (!(error instanceof AnthropicError)) throw error;
        ctx.warn?.(`the Claude API failed past its retries (${describeApiError(error)}): the planner proposes this experiment`);
      }
      const planned = await this.planned(ctx, linked);
      if (planned) return planned;
      const wait = this.options.outageWaitS ?? 60;
      ctx.warn?.(`the planner has nothing left either: asking Claude again in ${wait} s`);
      try {
        await sleep(wait * 1000, undefined, { signal: ctx.signal });
      } catch (error) {
        if (!(error instanceof Error && error.name === 'AbortError')) throw error;
        return nothing('stopped while waiting for the Claude API');
      }
    }
  }

  private async planned(ctx: ProposalContext, linked: (p: Proposal) => Proposal): Promise<Proposal | null> {
    const proposal = await this.options.fallback.propose(ctx);
    return proposal && linked({ ...proposal, proposer: FALLBACK_PROPOSER });
  }

  /** Attempts with the error of the last one, each from a clean workspace; throws on an API failure. */
  private async fromClaude(target: Target): Promise<Made> {
    const { workspace, sandbox, head } = target;
    const rules = { dir: workspace.dir, editable: sandbox.editable, readonly: sandbox.readonly };
    const { sources } = this.options;
    const evidence = gatherEvidence(sources, target.history, head, sandbox.goal);
    const described = describeState({ rows: target.history, head, sandbox, budgetS: sources.options.budgetS, evidence });
    const state = `${described}\n\n${agendaSection(sources.db, this.options.sessionId)}`;
    const sideTools = agendaTools(sources.db, this.options.sessionId);
    let reason: string | undefined;
    for (let attempt = 1; attempt <= (this.options.attempts ?? 2); attempt++) {
      const result = await runAttempt({
        api: this.options.api,
        system: this.options.system,
        opening: openingMessage(rules, state, reason),
        workspace,
        rules,
        maxTurns: this.options.maxTurns,
        maxTokens: this.options.maxTokens ?? 16_000,
        signal: target.signal,
        onTurn: (turn) => this.log(target, attempt, turn),
        sideTools,
      });
      if (result.ok) {
        const { submission } = result;
        const recorded = (id: number) => {
          this.options.turns.attach(target.proposalId, id);
          this.experiments.predicted(id, submission.predicted_delta);
        };
        return { ok: true, proposal: { ...proposalOf(submission, sources.options.ablationRuns), recorded } };
      }
      reason = result.reason;
      await workspace.resetTo(head);
    }
    return { ok: false, reason: reason! };
  }

  /** The speculative proposal if it was made on the code as it stands now; a stale one is stopped and dropped. */
  private async takeSpeculation(head: string): Promise<{ proposal: Proposal; diff: string } | null> {
    const speculation = this.speculation;
    this.speculation = undefined;
    if (!speculation) return null;
    if (speculation.head !== head) speculation.controller.abort();
    const ready = await speculation.result;
    return speculation.head === head ? ready : null;
  }

  private log(target: Target, attempt: number, turn: TurnRecord): void {
    const { usage } = turn;
    this.options.turns.add({
      session_id: this.options.sessionId,
      proposal: target.proposalId,
      speculative: target.speculative,
      attempt,
      turn: turn.turn,
      model: this.options.api.model,
      request_id: turn.requestId,
      stop_reason: turn.stopReason,
      input_tokens: usage.input_tokens,
      output_tokens: usage.output_tokens,
      cache_read_tokens: usage.cache_read_input_tokens,
      cache_write_tokens: usage.cache_creation_input_tokens,
      cost_usd: costOf(this.options.api.model, usage),
      latency_s: turn.latencyS,
      error: turn.error,
    });
  }
}

/** Claude's proposals at the end of the log that changed nothing (skipped), in a row. */
function trailingSkips(history: readonly ExperimentRow[]): number {
  let count = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const row = history[i]!;
    if (!isCandidate(row)) continue;
    if (row.proposer !== 'claude' || row.status !== 'rejected') break;
    count++;
  }
  return count;
}
