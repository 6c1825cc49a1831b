/**
 * Several proposals made at once, for the parallel loop's free slots (a proposer that may be asked
 * concurrently: Claude, whose calls take tens of seconds). Each is made in a scratch checkout of
 * its own at the head it was asked on, so none sees another's edits; a finished one waits, made,
 * until the loop records it on the seed of its turn. Scratch checkouts are reused, one per
 * proposal under way at most.
 */
import path from 'node:path';
import { Scratch } from '../workspace/scratch.ts';
import type { Workspace } from '../workspace/workspace.ts';
import type { MadeProposal } from './loop.ts';

/** What a proposal under way came to: a change, nothing left to propose, or a failure to report. */
export type Outcome = { made: MadeProposal } | { nothing: true } | { error: unknown };

export class ProposalsUnderWay {
  private readonly free: Scratch[] = [];
  private readonly all: Scratch[] = [];
  private readonly done: Outcome[] = [];
  /** The proposals being made; each resolves once its outcome is in `done`. */
  private readonly making = new Set<Promise<void>>();

  constructor(
    private readonly folder: string,
    private readonly make: (workspace: Workspace) => Promise<MadeProposal | null>,
    /** Told whenever a proposal ends, so the loop wakes. */
    private readonly onEnd: () => void,
  ) {}

  /** Proposals asked for and not recorded yet: each holds a turn of the schedule and a slot. */
  get count(): number {
    return this.making.size + this.done.length;
  }

  /** Starts one proposal at `head` of the session's workspace; its end is told through onEnd. */
  start(real: Workspace, head: string): void {
    const scratch = this.free.pop() ?? this.newScratch();
    // One step from under way to done, so `count` never sees a proposal twice or not at all.
    const job = this.makeIn(scratch, real, head).then((outcome) => {
      this.free.push(scratch);
      this.making.delete(job);
      this.done.push(outcome);
      this.onEnd();
    });
    this.making.add(job);
  }

  /** The oldest proposal that has ended, if any. */
  take(): Outcome | undefined {
    return this.done.shift();
  }

  /** A taken proposal whose turn has not come yet (no slot for its screen): first again next time. */
  putBack(outcome: Outcome): void {
    this.done.unshift(outcome);
  }

  /** Waits for the proposals under way (the loop aborts them first) and removes the scratch checkouts. */
  async close(): Promise<void> {
    await Promise.all(this.making);
    for (const scratch of this.all) await scratch.remove();
  }

  /** One proposal made in `scratch`; never rejects. */
  private async makeIn(scratch: Scratch, real: Workspace, head: string): Promise<Outcome> {
    try {
      const made = await this.make(await scratch.at(real, head));
      return made ? { made } : { nothing: true };
    } catch (error) {
      // Every failure is kept, not judged here: the loop takes it in order and rethrows it (the proposer handles the ones it expects).
      return { error };
    }
  }

  private newScratch(): Scratch {
    const scratch = new Scratch(path.join(this.folder, `proposal-${this.all.length + 1}`));
    this.all.push(scratch);
    return scratch;
  }
}
