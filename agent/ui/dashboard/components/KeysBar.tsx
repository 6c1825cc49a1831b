import { Text } from 'ink';

const KEYS = {
  run: 'q quit after this run · Q stop now · p pause · ↑↓ select · enter open',
  watch: 'q quit the viewer · ↑↓ select · enter open',
  detail: '↑↓ PgUp PgDn scroll · esc/enter/q back',
};

export function KeysBar({ mode, position }: { mode: keyof typeof KEYS; position?: string }) {
  return (
    <Text wrap="truncate-end" color="gray">
      {KEYS[mode]}
      {position ? ` · ${position}` : ''}
    </Text>
  );
}
