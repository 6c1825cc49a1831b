/**
 * Whether a stopped session may be continued by a plain `run` (docs/design.md, "Resume"): it
 * must be the same experiment, that is the same sandbox with the same files, measured and decided
 * the same way. The limits (--max-experiments, --max-runs, --hours/--until) are not settings of
 * the experiment: given, they replace the stored ones; isolation follows the machine.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import type { Sandbox } from '../config/load.ts';
import type { SessionRow } from '../store/types.ts';
import { hashFiles, type Hashes } from '../workspace/readonly-guard.ts';
import { describeExecutor } from './executor-settings.ts';
import type { SessionOptions } from './options.ts';

/** The settings compared, each with the flag that sets it (for the one line that says what differs). */
const SETTINGS: ReadonlyArray<[keyof SessionOptions, string]> = [
  ['budgetS', '--budget'],
  ['graceS', '--grace'],
  ['proposer', '--proposer'],
  ['decision', '--decision'],
  ['baselineRuns', '--baseline-runs'],
  ['ablationRuns', '--ablation-runs'],
  ['simplifyMarginSd', '--simplify-margin'],
  ['interactionTop', '--interactions'],
  ['redundancyTop', '--redundancy-top'],
  ['design', '--design'],
  ['controlEvery', '--control-every'],
  ['memoryGb', '--memory-limit'],
  ['openFiles', '--open-files'],
  ['maxProcesses', '--max-processes'],
  ['diskQuotaGb', '--disk-quota'],
];

/** Settings that older logs do not store: absent there, they are not compared (the session ran with that day's defaults). */
const NEWER: ReadonlySet<keyof SessionOptions> = new Set(['simplifyMarginSd', 'redundancyTop', 'design']);

/** The sandbox's content: nightshift.json and every file it lists (editable, read-only, hidden), by hash. */
export function sandboxFingerprint(sandbox: Sandbox): string {
  const { editable, readonly, hidden } = sandbox.config;
  const hashes = hashFiles(sandbox.dir, ['nightshift.json', ...editable, ...readonly, ...hidden]);
  return crypto
    .createHash('sha256')
    .update(JSON.stringify(Object.entries(hashes).sort()))
    .digest('hex');
}

/**
 * What differs between a stored session and the one this command line would start, in words
 * ("--budget 300 → 20"), or null when it may be continued. `sandbox` is the requested one, loaded.
 */
export function settingsMismatch(session: SessionRow, requested: SessionOptions, sandbox: Sandbox): string | null {
  const stored = JSON.parse(session.options_json) as SessionOptions;
  if (path.resolve(session.sandbox) !== sandbox.dir) return `it ran ${session.sandbox}, this command ${sandbox.dir}`;
  if (!sameFiles(session, stored, sandbox)) return `the sandbox's files changed since it began`;
  const differences = SETTINGS.filter(([key]) => !(NEWER.has(key) && stored[key] === undefined))
    .filter(([key]) => JSON.stringify(stored[key] ?? null) !== JSON.stringify(requested[key] ?? null))
    .map(([key, flag]) => `${flag} ${stored[key] ?? 'default'} → ${requested[key] ?? 'default'}`);
  // Where runs execute: a resume must find its runs in flight with the executor that started them.
  const [was, now] = [describeExecutor(stored.executor), describeExecutor(requested.executor)];
  if (was !== now) differences.push(`runs ${was} → ${now}`);
  return differences.length === 0 ? null : differences.join(', ');
}

/** Sessions from before the fingerprint compare what they stored: nightshift.json and the read-only files. */
function sameFiles(session: SessionRow, stored: SessionOptions, sandbox: Sandbox): boolean {
  if (stored.sandboxHash !== undefined) return stored.sandboxHash === sandboxFingerprint(sandbox);
  const then = JSON.parse(session.readonly_json) as Hashes;
  const now = hashFiles(sandbox.dir, Object.keys(then));
  return Object.keys(then).every((file) => then[file] === now[file]);
}
