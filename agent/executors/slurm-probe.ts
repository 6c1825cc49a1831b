/**
 * The probe run at a session's start: a tiny job writes a file into a folder the agent made, and
 * the agent waits for it to appear. It fails, in one sentence, when the run folders are not on a
 * file system the nodes share, or when the cluster does not start a job in time.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { shellWord } from './run-folder.ts';
import { type QueueRow, type SlurmCli, sbatch, scancel, squeueIds } from './slurm-cli.ts';

export interface ProbeResult {
  /** The node the probe ran on (its Slurm name). */
  node: string;
  /** Seconds from submit to the file appearing. */
  seconds: number;
}

export interface ProbeOptions {
  /** A folder under the run folders' root; the probe makes its own folder inside. */
  dir: string;
  timeoutMs: number;
  /** The user's sbatch words (partition, account): the probe goes where the runs will go. */
  userArgs: readonly string[];
  pollMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function probe(cli: SlurmCli, options: ProbeOptions): Promise<ProbeResult> {
  const token = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const dir = path.resolve(options.dir, `probe-${token}`);
  fs.mkdirSync(dir, { recursive: true });
  const seen = path.join(dir, 'seen');
  // Written then renamed, so the agent never reads half a hostname.
  const script = `printf '%s\\n' "\${SLURMD_NODENAME:-$(uname -n)}" >${shellWord(`${seen}.tmp`)} && mv ${shellWord(`${seen}.tmp`)} ${shellWord(seen)}`;
  const started = Date.now();
  const id = await sbatch(cli, [
    `--job-name=ns-probe-${token}`,
    `--chdir=${dir}`,
    `--output=${path.join(dir, 'slurm.log')}`,
    '--time=1',
    '--no-requeue',
    ...options.userArgs,
    `--wrap=${script}`,
  ]);
  let checked = started;
  while (Date.now() - started < options.timeoutMs) {
    if (fs.existsSync(seen)) return { node: fs.readFileSync(seen, 'utf8').trim(), seconds: (Date.now() - started) / 1000 };
    await sleep(options.pollMs ?? 100);
    // Once a second, a look at the job: one that failed (its folder missing on the node, say) will never write.
    if (Date.now() - checked >= 1000) {
      checked = Date.now();
      const [row] = await squeueIds(cli, [id]);
      if (row && !LIVE.has(row.state) && row.state !== 'COMPLETED') throw new Error(`${ended(id, row)} without writing ${seen}: ${SHARED}`);
    }
  }
  const [row] = await squeueIds(cli, [id]);
  await scancel(cli, id);
  const waited = `${Math.round(options.timeoutMs / 1000)} s`;
  if (row === undefined || !LIVE.has(row.state)) throw new Error(`${ended(id, row)} but its file ${seen} did not appear here within ${waited}: ${SHARED}`);
  const why = row.reason && row.reason !== 'None' ? ` (${row.reason})` : '';
  throw new Error(
    `The Slurm probe job ${id} was still ${row.state.toLowerCase()}${why} after ${waited}, so nightshift cannot tell whether the nodes see the run folders; it was cancelled.`,
  );
}

const LIVE = new Set(['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING']);
const SHARED = 'the run folders must be on a file system the nodes share.';

function ended(id: string, row: QueueRow | undefined): string {
  return `The Slurm probe job ${id} ended${row ? ` ${row.state}${row.nodes ? ` on ${row.nodes}` : ''}` : ''}`;
}
