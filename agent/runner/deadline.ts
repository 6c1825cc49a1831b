/**
 * A run's deadline on the agent's clock, not the wall's: while the agent itself is stopped
 * (SIGSTOP, Ctrl-Z, a suspended machine) its timers cannot fire, and on waking a plain timer
 * would fire at once and kill — or record as a timeout — a run that did nothing wrong. Time the
 * agent lost is added to the deadline and left out of the run's measured time.
 */
const TICK_MS = 250;
// A tick this late means the agent was not running (an event loop merely busy is late by far less).
const STALL_MS = 1500;

export interface Deadline {
  /** Milliseconds the agent was stopped since the deadline started. */
  stalledMs(): number;
  clear(): void;
}

/**
 * `from` is when the run's clock started (performance.now()), if before this call: the agent can be
 * stopped between the two (while it spawns the run), and that time must count as lost too.
 */
export function startDeadline(ms: number, onExpire: () => void, from = performance.now()): Deadline {
  const start = from;
  let last = start;
  let stalled = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - last > TICK_MS + STALL_MS) stalled += now - last - TICK_MS;
    last = now;
    if (now - start - stalled >= ms) {
      clearInterval(timer);
      onExpire();
    }
  }, TICK_MS);
  // On waking, the run's exit can be handled before the next tick sees the gap: count a gap still open too.
  const open = () => {
    const gap = performance.now() - last;
    return gap > TICK_MS + STALL_MS ? gap - TICK_MS : 0;
  };
  return { stalledMs: () => stalled + open(), clear: () => clearInterval(timer) };
}
