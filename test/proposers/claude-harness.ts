import path from 'node:path';
import { after } from 'node:test';
import type { DecisionPolicy } from '../../agent/decide/types.ts';
import type { SessionOptions } from '../../agent/loop/options.ts';
import { sessionDir } from '../../agent/paths.ts';
import { connectClaude } from '../../agent/proposers/claude/client.ts';
import { loadSystemPrompt } from '../../agent/proposers/claude/prompts.ts';
import { ClaudeProposer, type ClaudeProposerOptions } from '../../agent/proposers/claude/proposer.ts';
import { Planner } from '../../agent/proposers/planner.ts';
import { openLogForWriting } from '../../agent/store/db.ts';
import { LlmTurnStore } from '../../agent/store/llm-turns.ts';
import { tempDir } from '../helpers.ts';
import { meanRule, runLoop } from '../loop/harness.ts';
import { editor, startMockApi, type MockApi } from './mock-api.ts';

export const TEST_KEY = 'sk-ant-test-do-not-log-0123456789';

/**
 * One session of the real loop with Claude proposing against `mock`: the client is made the way
 * `run` makes it (key and base URL from ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL).
 */
export async function runClaudeLoop(
  opts: SessionOptions,
  mock: MockApi,
  over: Partial<ClaudeProposerOptions> & { model?: string; maxRetries?: number; prefetch?: boolean; policy?: DecisionPolicy } = {},
) {
  const model = over.model ?? 'claude-sonnet-5-5';
  const { api } = await connectClaude({ ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: mock.url }, { model, timeoutS: 10, maxRetries: over.maxRetries ?? 2 });
  const db = path.join(tempDir(), 'log.db');
  const handle = openLogForWriting(db);
  const turns = new LlmTurnStore(handle);
  // A fresh log: the session the loop is about to open is session 1.
  const { prefetch, maxRetries: _, model: __, policy = meanRule, ...options } = over;
  const proposer = new ClaudeProposer({
    api,
    system: loadSystemPrompt(),
    turns,
    sessionId: 1,
    sources: { db: handle, options: opts, policy },
    fallback: new Planner({ ablationRuns: opts.ablationRuns, interactionTop: opts.interactionTop }),
    maxTurns: 6,
    scratchDir: prefetch ? path.join(sessionDir(db, 1), 'scratch') : null,
    outageWaitS: 0.05,
    ...options,
  });
  try {
    const result = await runLoop(opts, { db, proposer, policy });
    return { ...result, turns: turns.forSession(result.session.id) };
  } finally {
    handle.close();
  }
}

/** A mock API for one test, closed when the test ends. */
export async function mockApi(...args: Parameters<typeof startMockApi>): Promise<MockApi> {
  const api = await startMockApi(...args);
  after(() => api.close());
  return api;
}

/** The edit most tests make in the fast sandbox: its learning rate, from 0.03 to `value`. */
export const setLr = (value: string) => editor({ command: 'str_replace', path: 'train.mjs', old_str: 'lr: 0.03,', new_str: `lr: ${value},` });
