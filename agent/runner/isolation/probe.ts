import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExecaError } from 'execa';
import { execaOwnSession } from '../own-session.ts';
import { bwrapArgs } from './bwrap-args.ts';
import { isolationView } from './view.ts';

/**
 * Whether bubblewrap is installed and can build the view runs get (namespaces, a sized /tmp, a
 * procfs, links, masks: a nested container may refuse some of them); the reason when not.
 */
export async function probeBwrap(): Promise<{ usable: true } | { usable: false; reason: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nightshift-probe-'));
  try {
    const view = isolationView(dir, dir, '/usr/bin:/bin', undefined);
    await execaOwnSession('bwrap', bwrapArgs({ ...view, workspace: dir, env: {}, command: 'true' }), { timeout: 10_000 });
    return { usable: true };
  } catch (error) {
    // execa reports every way bwrap can fail (absent, refused, timed out) as an ExecaError.
    if (!(error instanceof ExecaError)) throw error;
    const e = error as { code?: string; stderr?: string; exitCode?: number; timedOut?: boolean };
    if (e.code === 'ENOENT') return { usable: false, reason: 'bwrap is not installed (Debian: apt-get install bubblewrap)' };
    // bwrap's own first line says why; execa's message would quote the whole (long) command line.
    const why =
      e.stderr?.trim().split('\n')[0] || (e.timedOut ? 'timed out' : e.exitCode === undefined ? (e.code ?? 'it did not start') : `exit code ${e.exitCode}`);
    return { usable: false, reason: `bwrap cannot build the sandbox here (${why})` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
