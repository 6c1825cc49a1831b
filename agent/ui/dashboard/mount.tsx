import { render, renderToString } from 'ink';
import type { EventBus } from '../../loop/events.ts';
import type { Db } from '../../store/db.ts';
import { App } from './components/App.tsx';
import { Dashboard } from './components/Dashboard.tsx';
import { RunSource, type LoopHandle } from './run-source.ts';
import type { DashboardSource, RunControls } from './source.ts';
import type { DashboardView } from './view-model.ts';

export interface Streams {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
}

/**
 * Mounts the dashboard on a terminal. The sources publish a few views a second and Ink writes a
 * frame only when its text changed, in one synchronized write. (Ink 6.8's incremental mode left
 * stale lines behind in tmux when the frame's height changed, so it stays off.)
 */
export function mountDashboard(source: DashboardSource, controls: RunControls | undefined, streams: Streams = {}) {
  return render(<App source={source} controls={controls} />, {
    stdout: streams.stdout ?? process.stdout,
    stdin: streams.stdin ?? process.stdin,
    // Ctrl-C is a key like q: `run` gives it SIGINT's meaning, `watch` quits.
    exitOnCtrlC: false,
    maxFps: 15,
  });
}

export const colourWanted = (stdout: NodeJS.WriteStream = process.stdout): boolean => stdout.isTTY === true && !process.env.NO_COLOR;

/** `nightshift run`'s dashboard: returns what ends it, leaving the final frame on the screen. */
export function mountRunDashboard(db: Db, sessionId: number, bus: EventBus, loop: LoopHandle, streams: Streams = {}): () => Promise<void> {
  const source = new RunSource(db, sessionId, bus, loop, { colour: colourWanted(streams.stdout) });
  const instance = mountDashboard(source, source.controls, streams);
  return async () => {
    source.close();
    instance.unmount();
    await instance.waitUntilExit();
  };
}

/** One frame as text, for a pipe: `nightshift watch | cat` prints the dashboard once. */
export function dashboardText(view: DashboardView, columns: number, rows: number): string {
  return renderToString(<Dashboard view={view} width={columns} height={rows} selected={null} keys={false} />, { columns });
}
