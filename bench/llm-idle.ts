/**
 * GPU-idle seconds per experiment: the gap between one run's end and the next run's start, when
 * the GPU has nothing to do while the agent decides, proposes and applies. Three proposers on
 * the same sandbox: the offline planner, Claude proposing after each run, and Claude proposing
 * speculatively while the run is in flight. Claude is a local mock of the Messages API that
 * answers each turn after a realistic delay (two turns per proposal: the edit, then the submit).
 * The "training" sleeps for its budget and reports seed noise, so every candidate is noise.
 *
 *   npx tsx bench/llm-idle.ts [runs=10] [turnDelayS=5] [trainS=20]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPolicy } from '../agent/decide/registry.ts';
import { sessionOptions, type SessionOptions } from '../agent/loop/options.ts';
import { connectClaude } from '../agent/proposers/claude/client.ts';
import { loadSystemPrompt } from '../agent/proposers/claude/prompts.ts';
import { ClaudeProposer } from '../agent/proposers/claude/proposer.ts';
import { Planner } from '../agent/proposers/planner.ts';
import type { Proposer } from '../agent/proposers/types.ts';
import { LlmTurnStore } from '../agent/store/llm-turns.ts';
import { isCandidate } from '../agent/session/kinds.ts';
import { editor, message, scripted, startMockApi, submit } from '../test/proposers/mock-api.ts';
import type { Db } from '../agent/store/db.ts';
import { benchSession } from './lib/session.ts';

const runs = Number(process.argv[2] ?? 10);
const turnDelayS = Number(process.argv[3] ?? 5);
const trainS = Number(process.argv[4] ?? 20);
const baselineRuns = 2;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nightshift-llm-idle-'));
const sandbox = path.join(root, 'sandbox');
fs.mkdirSync(sandbox);
fs.writeFileSync(
  path.join(sandbox, 'nightshift.json'),
  JSON.stringify({ command: 'node train.mjs', metric: 'val_loss', goal: 'minimize', editable: ['train.mjs'] }),
);
fs.writeFileSync(
  path.join(sandbox, 'train.mjs'),
  [
    'export const config = {',
    '  on: true, // @ablate false',
    '  k: 2, // @knob 1 2 3 4',
    '};',
    'const seed = Number(process.env.NIGHTSHIFT_SEED);',
    'setTimeout(() => console.log("@ns " + JSON.stringify({ final: true, val_loss: 1 + ((seed * 7919) % 13) / 1000 })), Number(process.env.NIGHTSHIFT_BUDGET_S) * 1000);',
    '',
  ].join('\n'),
);

const mock = await startMockApi(
  scripted((n) => [
    message([editor({ command: 'insert', path: 'train.mjs', insert_line: 0, insert_text: `// idea ${n}` })], { delayMs: turnDelayS * 1000 }),
    message([submit(`idea ${n}`, 'noise', 0)], { delayMs: turnDelayS * 1000 }),
  ]),
);
const { api } = await connectClaude({ ANTHROPIC_API_KEY: 'bench', ANTHROPIC_BASE_URL: mock.url }, { model: 'claude-sonnet-5-5', timeoutS: 60, maxRetries: 0 });

async function scenario(name: string, make: (ctx: { db: Db; scratch: string; sessionId: number; options: SessionOptions }) => Proposer) {
  const dir = path.join(root, name.replace(/\W+/g, '-'));
  fs.mkdirSync(dir);
  const dbPath = path.join(dir, 'bench.db');
  const options = sessionOptions(sandbox, {
    budgetS: trainS,
    graceS: 30,
    maxRuns: runs,
    baselineRuns,
    ablationRuns: 1,
    interactionTop: 0,
    controlEvery: 0,
    isolation: 'none',
  });
  const { db, experiments, opened, loop } = await benchSession(dbPath, options, ({ db, opened }) =>
    make({ db, scratch: path.join(path.dirname(opened.workspace.dir), 'scratch'), sessionId: opened.session.id, options }),
  );
  await loop.run();
  const rows = experiments.forSession(opened.session.id).filter((e) => e.started_at && e.ended_at);
  db.close();
  // The idle gap before each run after the first: previous end to this start.
  const gaps = rows.slice(1).map((e, i) => ({ candidate: isCandidate(e), idle: (Date.parse(e.started_at!) - Date.parse(rows[i]!.ended_at!)) / 1000 }));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const before = gaps.filter((g) => g.candidate).map((g) => g.idle);
  console.log(
    `${name.padEnd(26)} idle before each candidate run: mean ${mean(before).toFixed(2)} s (${before.map((s) => s.toFixed(1)).join(', ')}); ` +
      `per run overall: ${mean(gaps.map((g) => g.idle)).toFixed(2)} s over ${gaps.length} runs`,
  );
}

console.log(`machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}`);
console.log(`${runs} runs (${baselineRuns} baseline); training ${trainS} s per run; mock Claude: 2 turns of ${turnDelayS} s per proposal`);
const planner = () => new Planner({ ablationRuns: 1, interactionTop: 0 });
const claude =
  (prefetch: boolean) =>
  ({ db, scratch, sessionId, options }: { db: Db; scratch: string; sessionId: number; options: SessionOptions }) =>
    new ClaudeProposer({
      api,
      system: loadSystemPrompt(),
      turns: new LlmTurnStore(db),
      sessionId,
      sources: { db, options, policy: createPolicy(options.decision, options) },
      fallback: planner(),
      maxTurns: 4,
      scratchDir: prefetch ? scratch : null,
    });
await scenario('planner', planner);
await scenario('claude, after each run', claude(false));
await scenario('claude, speculative', claude(true));
await mock.close();
fs.rmSync(root, { recursive: true, force: true });
