import path from 'node:path';
import type { DecisionPolicy } from '../../decide/types.ts';
import type { ClaudeSessionOptions } from './context/session.ts';
import type { Db } from '../../store/db.ts';
import { LlmTurnStore } from '../../store/llm-turns.ts';
import type { SessionRow } from '../../store/types.ts';
import type { Workspace } from '../../workspace/workspace.ts';
import type { Proposer } from '../types.ts';
import { connectClaude, DEFAULT_SETTINGS, type ClaudeApi, type ClaudeSettings } from './client.ts';
import { loadSystemPrompt } from './prompts.ts';
import { ClaudeProposer } from './proposer.ts';

export interface ClaudeFlags {
  model: string;
  /** The user's research programme, in place of prompts/program.md. */
  program?: string | undefined;
  maxTurns: number;
  /** Make the next proposal while a run is in flight (used only if the code did not change). */
  prefetch: boolean;
}

export interface PreparedClaude {
  api: ClaudeApi;
  system: string;
  flags: ClaudeFlags;
  /** Things the user should know that do not stop the session (an unreachable API, an unpriced model). */
  warnings: string[];
}

/** Everything about the Claude proposer that can fail does so here, before any session is opened. */
export async function prepareClaude(env: NodeJS.ProcessEnv, flags: ClaudeFlags, settings: Partial<ClaudeSettings> = {}): Promise<PreparedClaude> {
  const system = loadSystemPrompt(flags.program);
  const { api, warnings } = await connectClaude(env, { ...DEFAULT_SETTINGS, ...settings, model: flags.model });
  return { api, system, flags, warnings };
}

/** What the Claude proposer needs of its session (the loop's OpenedSession is one). */
export interface ClaudeSession {
  session: Pick<SessionRow, 'id'>;
  options: ClaudeSessionOptions;
  workspace: Pick<Workspace, 'dir'>;
}

/** `policy` is the rule the loop decides with, for the bar a change must clear. */
export function createClaudeProposer(prepared: PreparedClaude, db: Db, opened: ClaudeSession, fallback: Proposer, policy: DecisionPolicy): ClaudeProposer {
  return new ClaudeProposer({
    api: prepared.api,
    system: prepared.system,
    turns: new LlmTurnStore(db),
    sessionId: opened.session.id,
    sources: { db, options: opened.options, policy },
    fallback,
    maxTurns: prepared.flags.maxTurns,
    // Beside the workspace, never inside it: the workspace's `git clean` would remove it.
    scratchDir: prepared.flags.prefetch ? path.join(path.dirname(opened.workspace.dir), 'scratch') : null,
  });
}
