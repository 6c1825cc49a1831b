/**
 * The parallel schedule's own efficiency, apart from any executor or machine: the real schedule
 * (agent/schedule/plan.ts) and decision rule drive N simulated slots in virtual time, each run
 * taking one unit (±10%, seeded), runs the schedule no longer needs cancelled as the loop cancels
 * them. A share of the changes (`--gains`, a quarter by default, as in bench/parallel-slots.ts) are
 * real gains of 2 noise SDs, the rest no-ops. Reported per slot count, over `--sessions` seeded sessions of
 * `--length` run-units each: decisions per 100 run-units (×N against one slot), runs started per
 * decision, runs cancelled, false keeps and power. Load on the machine cannot change these figures;
 * bench/parallel-slots.ts measures the real loop, executor overhead included.
 *
 *   npx tsx bench/schedule-slots.ts [--slots 1,2,4,8] [--sessions 20] [--length 300] [--rho 0.5] [--gains 0.25]
 */
import { parseArgs } from 'node:util';
import { NoiseAwarePolicy } from '../agent/decide/noise-aware.ts';
import { type Plan, plan } from '../agent/schedule/plan.ts';
import { inFlight } from '../agent/schedule/physical.ts';
import type { Checkpoint } from '../agent/schedule/checkpoint.ts';
import { isCandidate, isSuperseded } from '../agent/session/kinds.ts';
import { mulberry32 } from '../agent/stats/random.ts';
import { type Change, World } from '../test/schedule/world.ts';

const { values: flags } = parseArgs({
  options: {
    slots: { type: 'string', default: '1,2,4,8' },
    sessions: { type: 'string', default: '20' },
    length: { type: 'string', default: '300' },
    rho: { type: 'string', default: '0.5' },
    gains: { type: 'string', default: '0.25' },
  },
});
const SD = 0.01;
const length = Number(flags.length);

interface Outcome {
  decisions: number;
  /** Slot-time busy, as a share of slots × length. */
  busy: number;
  started: number;
  cancelled: number;
  noOps: { kept: number; of: number };
  gains: { kept: number; of: number };
}

function session(slots: number, seed: number): Outcome {
  const random = mulberry32(seed);
  // Endless changes, a quarter of them real gains; the keys carry the session's seed so sessions differ.
  const changes: Change[] = Array.from({ length: 2000 }, (_, i) => ({ key: `s${seed} c${i}`, effect: random() < Number(flags.gains) ? -2 * SD : 0 }));
  const world = new World(changes, { sd: SD, rho: Number(flags.rho) });
  const rule = { baselineCommit: 'c0', goal: 'minimize' as const, baselineRuns: 5, controlEvery: 10, policy: new NoiseAwarePolicy() };
  const ends = new Map<number, number>();
  let now = 0;
  let next = 0;
  let cancelled = 0;
  let busy = 0;
  const startedAt = new Map<number, number>();
  let checkpoint: Checkpoint | undefined;
  const planNow = (): Plan => {
    const p = plan({ rows: world.rows, rule, slots: slots - ends.size, checkpoint, ahead: world.ahead });
    checkpoint = p.checkpoint;
    return p;
  };
  while (now < length) {
    const p = planNow();
    for (const c of p.commits) world.decide(c.candidate, c.decision);
    if (p.commits.length > 0) continue;
    for (const row of p.obsolete) {
      // Cancelled as the loop cancels it: its slot is free at once, its row interrupted.
      if (!ends.delete(row.id)) continue;
      busy += now - startedAt.get(row.id)!;
      const at = world.rows.findIndex((e) => e.id === row.id);
      const e = world.rows[at]!;
      world.rows[at] = { ...e, status: 'interrupted', decision: e.decision === 'pending' ? null : e.decision };
      cancelled++;
    }
    const first = p.starts[0];
    if (first && ends.size < slots) {
      const created = world.create(first, first.type === 'propose' ? changes[next++] : undefined);
      ends.set(created.id, now + 0.9 + 0.2 * random());
      startedAt.set(created.id, now);
      continue;
    }
    // The next run to come back.
    const [id, end] = [...ends].reduce((a, b) => (b[1] < a[1] ? b : a));
    now = end;
    ends.delete(id);
    busy += end - startedAt.get(id)!;
    world.finish(id);
  }
  const decided = world.rows.filter((e) => isCandidate(e) && (e.decision === 'keep' || e.decision === 'revert') && !isSuperseded(e));
  const effect = new Map(changes.map((c) => [c.key, c.effect]));
  const tally = (rows: typeof decided) => ({ kept: rows.filter((e) => e.decision === 'keep').length, of: rows.length });
  return {
    decisions: decided.length,
    busy: busy / (slots * now),
    started: world.rows.filter((e) => !inFlight(e) || ends.has(e.id)).length,
    cancelled,
    noOps: tally(decided.filter((e) => effect.get(e.change_key!) === 0)),
    gains: tally(decided.filter((e) => effect.get(e.change_key!) !== 0)),
  };
}

const sessions = Number(flags.sessions);
console.log(
  `${sessions} sessions of ${length} run-units per slot count; runs 1 ± 0.1 units; noise SD ${SD}, seed correlation ${flags.rho}, ${Number(flags.gains) * 100}% of changes 2-SD gains`,
);
console.log('slots  decisions/100 units  × one slot  busy  runs/decision  cancelled  false keeps  power');
let oneSlot: number | null = null;
for (const slots of flags.slots.split(',').map(Number)) {
  const all = Array.from({ length: sessions }, (_, i) => session(slots, 1000 + i));
  const sum = (f: (o: Outcome) => number) => all.reduce((s, o) => s + f(o), 0);
  const rate = (sum((o) => o.decisions) / (sessions * length)) * 100;
  oneSlot ??= slots === 1 ? rate : null;
  const pct = (kept: number, of: number) => (of === 0 ? 'n/a' : `${((100 * kept) / of).toFixed(1)}%`);
  console.log(
    [
      String(slots).padStart(5),
      rate.toFixed(2).padStart(19),
      (oneSlot ? `${(rate / oneSlot).toFixed(2)}×` : '-').padStart(10),
      `${((100 * sum((o) => o.busy)) / sessions).toFixed(0)}%`.padStart(4),
      (sum((o) => o.started) / sum((o) => o.decisions)).toFixed(2).padStart(13),
      String(sum((o) => o.cancelled)).padStart(9),
      pct(
        sum((o) => o.noOps.kept),
        sum((o) => o.noOps.of),
      ).padStart(11),
      pct(
        sum((o) => o.gains.kept),
        sum((o) => o.gains.of),
      ).padStart(6),
    ].join('  '),
  );
}
