import fs from 'node:fs';
import path from 'node:path';
import { sessionOptions, type SessionOptions } from '../../agent/loop/options.ts';
import type { Proposer } from '../../agent/proposers/types.ts';
import type { ExperimentRow } from '../../agent/store/types.ts';
import { benchSession } from './session.ts';

const SIM = path.join(import.meta.dirname, '..', 'sim-sandbox');

/**
 * The sim sandbox in `work/name` with the planted `truth` and three extra markers: `salt` (no
 * effect: fresh noise per change), `step` (a known effect per step, from the truth) and `wobble`
 * (an ablatable component the truth may make unstable).
 */
export function simSandbox(work: string, name: string, truth: object): string {
  const dir = path.join(work, name);
  fs.cpSync(SIM, dir, { recursive: true });
  const train = path.join(dir, 'train.mjs');
  fs.writeFileSync(
    train,
    fs
      .readFileSync(train, 'utf8')
      .replace(
        'export const config = {',
        'export const config = {\n  salt: 0, // @knob 0..1000000 int\n  step: 0, // @knob 0..100000 int\n  wobble: true, // @ablate false',
      ),
  );
  fs.writeFileSync(path.join(dir, 'truth.json'), JSON.stringify(truth));
  return dir;
}

/** A session of the real loop on `dir` until `until` holds (checked after each run and verdict) or `limit` rows exist. */
export async function simSession(
  dir: string,
  proposer: Proposer,
  until: (rows: ExperimentRow[]) => boolean,
  limit: number,
  over: Partial<SessionOptions> = {},
): Promise<ExperimentRow[]> {
  const dbPath = `${dir}.db`;
  const { db, experiments, opened, bus, loop } = await benchSession(
    dbPath,
    sessionOptions(dir, { budgetS: 5, graceS: 5, baselineRuns: 5, ...over }),
    () => proposer,
  );
  bus.subscribe((e) => {
    if (e.type === 'decided' || e.type === 'run-finished') {
      const rows = experiments.forSession(opened.session.id);
      if (until(rows) || rows.length >= limit) loop.requestStop();
    }
  });
  await loop.run();
  const rows = experiments.forSession(opened.session.id);
  db.close();
  return rows;
}
