import { Text } from 'ink';

const KEYS = {
  run: 'q quit after this run · Q stop now · p pause · ↑↓ select · enter open',
  paused: 'paused — p resume · q quit after this run · Q stop now · ↑↓ select · enter open',
  watch: 'q quit the viewer · ↑↓ select · enter open',
  detail: '↑↓ PgUp PgDn scroll · esc/enter/q back',
};

/** The keys that apply now; paused, the footer says so first (in yellow, as the status). */
export function KeysBar({ mode, position }: { mode: keyof typeof KEYS; position?: string }) {
  return (
    <Text wrap="truncate-end" color={mode === 'paused' ? 'yellow' : 'gray'}>
      {KEYS[mode]}
      {position ? ` · ${position}` : ''}
    </Text>
  );
}
