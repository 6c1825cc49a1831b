import { Box, Text } from 'ink';
import { KeysBar } from './KeysBar.tsx';

/** One experiment full-screen (`nightshift show`'s text, folded to the width): a window of `height − 2` lines from `offset`. */
export function Detail({ lines, offset, height }: { lines: readonly string[]; offset: number; height: number }) {
  const visible = height - 2;
  const shown = lines.slice(offset, offset + visible);
  const position = `lines ${offset + 1}–${offset + shown.length} of ${lines.length}`;
  return (
    <Box flexDirection="column">
      {shown.map((line, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a line is its number in the text shown.
        <Text key={offset + i} wrap="truncate-end">
          {line === '' ? ' ' : line}
        </Text>
      ))}
      <KeysBar mode="detail" position={position} />
    </Box>
  );
}
