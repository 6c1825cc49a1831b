import { dataVersion, rowsFingerprint } from '../../store/changes.ts';
import type { Db } from '../../store/db.ts';
import { stepsSince } from '../../store/metric-reads.ts';
import { latestSession } from '../../store/session-reads.ts';
import type { SessionRow } from '../../store/types.ts';
import { LiveSteps } from './live-steps.ts';
import { detailLines, readLogView } from './log-reader.ts';
import { ViewStore, type DashboardSource } from './source.ts';
import { dashboardView, type LogView } from './view-model.ts';

export interface WatchOptions {
  colour: boolean;
  /** Whether a process lives (injectable for tests). */
  alive: (pid: number) => boolean;
  now?: () => number;
  pollMs?: number;
}

/** Heartbeats come every 5 s; one this old means the agent is gone even if its pid was reused. */
const STALE_HEARTBEAT_MS = 30_000;

/**
 * The dashboard of `nightshift watch`: polls the log through a read-only connection (WAL, so the
 * writer is never blocked). PRAGMA data_version says whether anyone wrote since the last poll;
 * the rows are re-read only when their fingerprint moved. It follows the latest session, so a
 * new `run` on the same log is picked up.
 */
export class WatchSource extends ViewStore implements DashboardSource {
  private version: number | null = null;
  private session: SessionRow | undefined;
  private log: LogView | null = null;
  private fingerprint = '';
  private steps: LiveSteps | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly options: WatchOptions,
  ) {
    super(dashboardView(null, { now: Date.now(), agent: { mode: 'watch', alive: false }, steps: null }));
    this.poll();
  }

  /** Polls until close(); `watch` keeps one running, a one-shot snapshot needs none. */
  start(): this {
    this.timer = setInterval(() => this.poll(), this.options.pollMs ?? 500);
    return this;
  }

  close(): void {
    clearInterval(this.timer);
  }

  detail(id: number): string[] {
    return detailLines(this.db, id, this.options.colour);
  }

  poll(): void {
    const version = dataVersion(this.db);
    if (version !== this.version) {
      this.version = version;
      this.read();
    }
    const s = this.session;
    const now = this.options.now?.() ?? Date.now();
    const alive =
      s?.status === 'running' &&
      s.agent_pid !== null &&
      this.options.alive(s.agent_pid) &&
      now - Date.parse(s.heartbeat_at ?? s.started_at) < STALE_HEARTBEAT_MS;
    this.publish(dashboardView(this.log, { now, agent: { mode: 'watch', alive }, steps: this.steps }));
  }

  private read(): void {
    const session = latestSession(this.db);
    this.session = session;
    if (!session) return;
    // The plan is stored once, just after the session's row: the view's line for it is read then.
    const fingerprint = `${session.id} ${session.status} ${session.head_commit} ${session.plan_json !== null} ${rowsFingerprint(this.db, session.id)}`;
    if (fingerprint !== this.fingerprint || !this.log) {
      this.fingerprint = fingerprint;
      this.log = readLogView(this.db, session);
    } else this.log = { ...this.log, session };
    const current = this.log.current;
    if (!current) return void (this.steps = null);
    if (this.steps?.experimentId !== current.id) this.steps = new LiveSteps(current.id);
    for (const step of stepsSince(this.db, current.id, this.steps.step ?? -1)) this.steps.add(step);
  }
}
