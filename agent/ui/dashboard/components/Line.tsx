import { Box, Text } from 'ink';
import { fitPieces, type Piece } from '../pieces.ts';

/** One terminal line of pieces, cut to `width` (see pieces.ts for why it is not one <Text>). */
export function Line({ pieces, width }: { pieces: readonly Piece[]; width: number }) {
  return (
    <Box height={1}>
      {fitPieces(pieces, width).map((p) => (
        <Text key={p.key} color={p.colour} bold={p.bold}>
          {p.text}
        </Text>
      ))}
    </Box>
  );
}
