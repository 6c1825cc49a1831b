/**
 * The experiment's log file (run-request.ts runFolders logPath) for a run followed through its run
 * folder: the tail of output.log is copied into it line by line, with nightshift's notes, so that
 * `log`, `watch` and the report read it as they read a run started directly. Rewritten from the
 * start each time a run is followed (a re-attach reads output.log again from its first byte), so it
 * is never doubled; capped as run-training.ts caps it, since a script may print without end.
 */
import fs from 'node:fs';

export interface RunLog {
  write(text: string): void;
  close(): void;
}

export const LOG_CAP_BYTES = 64 * 2 ** 20;

export function openRunLog(file: string, capBytes = LOG_CAP_BYTES): RunLog {
  const fd = fs.openSync(file, 'w');
  let written = 0;
  let full = false;
  return {
    write(text) {
      if (full) return;
      written += Buffer.byteLength(text);
      full = written >= capBytes;
      try {
        fs.writeSync(fd, full ? `[nightshift] log truncated at ${capBytes} bytes; the rest was parsed, not kept\n` : text);
      } catch (error) {
        // A log that cannot be written (a full disk) loses its text, never the run or the agent.
        if (!(error instanceof Error && 'code' in error)) throw error;
      }
    },
    close: () => fs.closeSync(fd),
  };
}
