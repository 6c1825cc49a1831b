import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

const sizeOf = (stdout: NodeJS.WriteStream) => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
/** Erase the screen, cursor home. */
const CLEAR = '\u001B[2J\u001B[H';

/**
 * The terminal's size, re-read on every resize so the layout follows it. The screen is cleared
 * first: Ink has already drawn the old layout at the new size, and when that overflowed a
 * shrunken terminal, its top lines would stay above every later frame.
 */
export function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => sizeOf(stdout));
  useEffect(() => {
    const onResize = () => {
      stdout.write(CLEAR);
      setSize(sizeOf(stdout));
    };
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout]);
  return size;
}
