/**
 * The night's result as a patch: the stored diffs of the kept changes, in the order they were
 * kept, as a git mbox series. It comes from the log alone (the workspace may be gone) and is
 * exact: each kept diff was taken against the previous keep's commit and committed as it is, so
 * the series applies in order to the baseline. `git apply` takes it as one change (it applies
 * successive patches to the same file), `git am` as one commit per kept change, `patch -p1` too.
 */
import type { ExperimentRow, SessionRow } from '../store/types.ts';

export function keptPatchSeries(session: SessionRow, kept: readonly ExperimentRow[]): string {
  return kept
    .map((e, i) => {
      const date = new Date(e.ended_at ?? e.created_at).toUTCString().replace('GMT', '+0000');
      return [
        `From ${e.commit_sha ?? '0'.repeat(40)} Mon Sep 17 00:00:00 2001`,
        'From: nightshift <nightshift@localhost>',
        `Date: ${date}`,
        `Subject: [PATCH ${i + 1}/${kept.length}] ${e.description.replace(/\s+/g, ' ')}`,
        '',
        `nightshift session ${session.id}, experiment ${e.id} (${e.kind}).`,
        ...(e.reason ? ['', e.reason] : []),
        '---',
        e.diff.endsWith('\n') ? e.diff : `${e.diff}\n`,
      ].join('\n');
    })
    .join('\n');
}
