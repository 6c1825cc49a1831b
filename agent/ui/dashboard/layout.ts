/**
 * How many terminal lines each part of the dashboard gets. The whole frame stays below the
 * terminal's height: Ink clears and redraws the screen on every frame that fills it (flicker),
 * and diffs lines in place otherwise. Parts are granted their minimum in order of importance
 * (what a tiny terminal keeps), then grow in a fixed order.
 */
export type Part =
  | 'identity'
  | 'status'
  | 'counts'
  | 'plan'
  | 'phase'
  | 'notice'
  | 'inFlight'
  | 'hypothesis'
  | 'slots'
  | 'metric'
  | 'llm'
  | 'chart'
  | 'recent'
  | 'effects'
  | 'interactions'
  | 'keys';

/** Display order, top to bottom. */
export const PARTS: readonly Part[] = [
  'identity',
  'status',
  'counts',
  'plan',
  'phase',
  'notice',
  'inFlight',
  'hypothesis',
  'slots',
  'metric',
  'llm',
  'chart',
  'recent',
  'effects',
  'interactions',
  'keys',
];

export interface LayoutInput {
  height: number;
  notice: boolean;
  /** The plan printed at the start. */
  plan?: boolean;
  /** The phase the session is in and its estimate. */
  phase?: boolean;
  inFlight: boolean;
  hypothesis: boolean;
  /** A session with several runs at once: its slots' summary line and this many runs in flight under it (absent: one at a time). */
  slotRuns?: number;
  metric: boolean;
  llm: boolean;
  chart: boolean;
  recentRows: number;
  effectRows: number;
  interactionRows: number;
}

export type Layout = Record<Part, number>;

const CHART_MIN = 4;

export function layout(input: LayoutInput): Layout {
  const { recentRows: r, effectRows: e, interactionRows: i } = input;
  const table = (rows: number, min: number) => (rows > 0 ? { min: 1 + Math.min(rows, min), max: 1 + rows } : { min: 0, max: 0 });
  const one = (on: boolean) => ({ min: on ? 1 : 0, max: on ? 1 : 0 });
  const wants: Record<Part, { min: number; max: number }> = {
    identity: one(true),
    status: one(true),
    counts: one(input.metric),
    notice: one(input.notice),
    plan: one(input.plan === true),
    phase: one(input.phase === true),
    inFlight: { min: input.inFlight ? 2 : 0, max: input.inFlight ? 2 : 0 },
    hypothesis: one(input.inFlight && input.hypothesis),
    // Where the first runs in flight are matters more than the tables under it; the rest as room allows.
    slots: input.slotRuns === undefined ? { min: 0, max: 0 } : { min: 1 + Math.min(input.slotRuns, 4), max: 1 + input.slotRuns },
    metric: one(input.metric),
    llm: one(input.llm),
    chart: input.chart ? { min: CHART_MIN, max: Math.min(16, Math.max(8, Math.floor(input.height * 0.3))) } : { min: 0, max: 0 },
    recent: table(r, 3),
    effects: table(e, 2),
    interactions: table(i, 1),
    keys: one(true),
  };
  const importance: Part[] = [
    'status',
    'counts',
    'inFlight',
    'keys',
    'metric',
    'phase',
    'slots',
    'recent',
    'notice',
    'llm',
    'chart',
    'identity',
    'plan',
    'effects',
    'interactions',
    'hypothesis',
  ];
  let left = input.height - 1;
  const out = Object.fromEntries(PARTS.map((p) => [p, 0])) as Layout;
  for (const part of importance) {
    const min = wants[part].min;
    if (min > 0 && min <= left) {
      out[part] = min;
      left -= min;
    }
  }
  // Growth: a readable chart and table first, then the runs in flight, every effect, then whatever remains.
  const grow = (part: Part, cap: number) => {
    if (out[part] === 0) return;
    const extra = Math.max(0, Math.min(left, Math.min(cap, wants[part].max) - out[part]));
    out[part] += extra;
    left -= extra;
  };
  grow('chart', 6);
  grow('recent', 1 + 6);
  grow('slots', 1 + 8);
  grow('effects', Infinity);
  grow('interactions', Infinity);
  grow('slots', Infinity);
  grow('chart', Infinity);
  grow('recent', Infinity);
  return out;
}
