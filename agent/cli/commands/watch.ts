import { z } from 'zod';
import { isAlive } from '../../loop/session-setup.ts';
import { openLogReadOnly } from '../../store/db.ts';
import { loadDashboard } from '../../ui/dashboard/load.ts';
import { WatchSource } from '../../ui/dashboard/watch-source.ts';
import { parseCommand } from '../args.ts';
import { dbFlag, QUERY_OPTIONS } from '../query-flags.ts';

const USAGE = `usage: nightshift watch [flags]

  --db FILE    the experiment log (default: experiments.db)

The live dashboard of the session 'nightshift run' is running on --db, read from the log
(read-only: the agent is never blocked). With no session running it shows the last session's
final state and says so. q or Ctrl-C quits the viewer; the session goes on. Arrows and enter
open an experiment. Piped, it prints the dashboard once as plain text.`;

const spec = {
  name: 'watch',
  usage: USAGE,
  schema: z.object({ db: dbFlag }),
  options: { db: QUERY_OPTIONS.db },
} as const;

/** The height of the one frame a pipe gets: room for every part of the dashboard. */
const PIPE_ROWS = 60;

export async function watchCommand(argv: string[]): Promise<number> {
  const flags = parseCommand(spec, argv);
  if (flags === 'help') return (void process.stdout.write(`${USAGE}\n`), 0);
  const db = openLogReadOnly(flags.db);
  try {
    const { colourWanted, dashboardText, mountDashboard } = await loadDashboard();
    const source = new WatchSource(db, { colour: colourWanted(), alive: isAlive });
    if (!process.stdout.isTTY) {
      process.stdout.write(`${dashboardText(source.view(), process.stdout.columns || 120, PIPE_ROWS)}\n`);
      return 0;
    }
    const instance = mountDashboard(source.start(), undefined);
    try {
      await instance.waitUntilExit();
    } finally {
      source.close();
    }
    return 0;
  } finally {
    db.close();
  }
}
