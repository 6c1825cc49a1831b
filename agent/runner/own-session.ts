/**
 * Every child the agent starts runs in a session of its own (execa's and node's `detached`), so
 * the Ctrl-C a terminal sends to the agent's process group is the agent's alone to handle (one
 * finishes the run in flight): a git, prepare, sbatch or training process it reached would die
 * half-way through.
 *
 * One window stays open: from fork to setsid the child is still in the agent's group, and libuv
 * blocks signals there, so a Ctrl-C landing in it stays pending and kills the child (its handlers
 * reset to the default) before it runs anything. Seen in CI: a run marked crashed, "killed by
 * SIGINT without a final line", by the Ctrl-C that should have let it finish. A child that died
 * so printed nothing and did nothing, so it is started once more.
 */
import { execa, ExecaError, type Options } from 'execa';

// The signals a terminal sends its foreground group (Ctrl-C, Ctrl-\); nothing else sends them to
// a process in a session of its own that has not yet printed a line.
const TERMINAL_SIGNALS: ReadonlySet<string> = new Set(['SIGINT', 'SIGQUIT']);

/** Whether a child died of a terminal's signal before printing anything: the fork window above. */
export function killedStarting(signal: string | null | undefined, printed: boolean): boolean {
  return !printed && typeof signal === 'string' && TERMINAL_SIGNALS.has(signal);
}

/** Runs `attempt` once more when `raced` says its child was killed starting; once only, as a Ctrl-C is one event. */
export async function startedAgainIfRaced<T>(attempt: () => Promise<T>, raced: (result: T) => boolean): Promise<T> {
  const first = await attempt();
  return raced(first) ? attempt() : first;
}

/**
 * Children in flight. execa kills its children when the agent exits, but not detached ones: these
 * die with it here instead (a prepare command or a git left running would outlive the session).
 */
const running = new Set<number>();
process.on('exit', () => {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone, or no longer ours to signal: nothing is left to stop.
    }
  }
});

const printedAnything = (r: { stdout?: unknown; stderr?: unknown; all?: unknown }) =>
  [r.stdout, r.stderr, r.all].some((s) => (typeof s === 'string' || s instanceof Uint8Array) && s.length > 0);

/**
 * execa in a session of its own, started once more when the fork window's Ctrl-C killed it
 * (whether the options make execa reject or resolve on a failure).
 */
export async function execaOwnSession<O extends Options>(file: string, args: readonly string[], options: O) {
  const start = async () => {
    const child = execa(file, args, { ...options, detached: true });
    if (child.pid !== undefined) running.add(child.pid);
    try {
      return await child;
    } finally {
      if (child.pid !== undefined) running.delete(child.pid);
    }
  };
  const raced = (r: { signal?: string; stdout?: unknown; stderr?: unknown; all?: unknown }) => killedStarting(r.signal, printedAnything(r));
  try {
    const result = await start();
    if (!raced(result)) return result;
  } catch (error) {
    if (!(error instanceof ExecaError && raced(error))) throw error;
  }
  return start();
}
