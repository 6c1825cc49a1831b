/** An error the user caused and can fix: printed as one line, never as a stack. */
export class UserError extends Error {
  override readonly name = 'UserError';
}

/**
 * Failures of the machine rather than of nightshift, as one sentence the user can act on:
 * a full disk under the log or the workspace. Null for anything else.
 */
export function describeEnvironmentFailure(error: unknown): string | null {
  const e = error as { code?: string; message?: string; stderr?: string } | null;
  const text = `${e?.code ?? ''} ${e?.message ?? ''} ${e?.stderr ?? ''}`;
  if (/SQLITE_FULL|ENOSPC|No space left on device|database or disk is full/i.test(text)) {
    return 'the disk holding the log or the workspace is full; free some space and run again: the session resumes where it stopped';
  }
  return null;
}
