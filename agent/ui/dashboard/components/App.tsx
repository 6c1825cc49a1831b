import { useApp, useInput, useStdin, type Key } from 'ink';
import { useRef, useState, useSyncExternalStore } from 'react';
import type { DashboardSource, RunControls } from '../source.ts';
import { Dashboard } from './Dashboard.tsx';
import { wrapLines } from '../wrap.ts';
import { Detail } from './Detail.tsx';
import { useTerminalSize } from './use-terminal-size.ts';

export interface AppProps {
  source: DashboardSource;
  /** `run` passes the loop's controls; `watch` has none (its q quits the viewer only). */
  controls?: RunControls;
}

interface Nav {
  selected: number | null;
  opened: { id: number; lines: string[]; offset: number } | null;
}

/** The dashboard with its keys: the selection and the detail screen are the only state it keeps. */
export function App({ source, controls }: AppProps) {
  const view = useSyncExternalStore(source.subscribe, source.view);
  const { columns, rows } = useTerminalSize();
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  // Keys can come faster than React re-renders (and re-binds the handler): the handler reads
  // and writes this ref, never a render's stale copy.
  const nav = useRef<Nav>({ selected: null, opened: null });
  const [, setNav] = useState(nav.current);
  const update = (next: Nav) => setNav((nav.current = next));
  const page = Math.max(1, rows - 3);
  // The detail's text is folded to the width it is shown at, so a resize re-folds it.
  const width = useRef(columns);
  width.current = columns;

  const onDetailKey = (opened: NonNullable<Nav['opened']>, input: string, key: Key) => {
    if (key.escape || key.return || input === 'q' || input === 'Q') return update({ ...nav.current, opened: null });
    const last = Math.max(0, wrapLines(opened.lines, width.current).length - page);
    const by = key.upArrow ? -1 : key.downArrow ? 1 : key.pageUp ? -page : key.pageDown ? page : 0;
    if (by !== 0) update({ ...nav.current, opened: { ...opened, offset: Math.max(0, Math.min(last, opened.offset + by)) } });
  };

  const onKey = (input: string, key: Key) => {
    const { selected, opened } = nav.current;
    if (key.ctrl && input === 'c') return controls ? controls.interrupt() : exit();
    if (opened) return onDetailKey(opened, input, key);
    if (input === 'q' || input === 'Q') return controls ? controls.stop(input === 'Q') : exit();
    if (input === 'p') return controls?.togglePause();
    if (key.escape) return update({ ...nav.current, selected: null });
    if (key.upArrow || key.downArrow) {
      const ids = source.view().log?.recent.map((r) => r.id) ?? [];
      const at = selected === null ? -1 : ids.indexOf(selected);
      const next = at === -1 ? 0 : Math.max(0, Math.min(ids.length - 1, at + (key.upArrow ? -1 : 1)));
      return update({ ...nav.current, selected: ids[next] ?? null });
    }
    if (key.return && selected !== null) update({ selected, opened: { id: selected, lines: source.detail(selected), offset: 0 } });
  };
  // Without a terminal on stdin (`run < /dev/null`) the screen still updates; it just takes no keys.
  useInput(onKey, { isActive: isRawModeSupported === true });

  const { opened, selected } = nav.current;
  if (opened) return <Detail lines={wrapLines(opened.lines, columns)} offset={opened.offset} height={rows} />;
  return <Dashboard view={view} width={columns} height={rows} selected={selected} />;
}
