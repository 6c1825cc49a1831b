/** The autoresearch export's rules on rows built by hand (agent/query/autoresearch-tsv.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autoresearchTsv } from '../../agent/query/autoresearch-tsv.ts';
import { restartIds, row, session } from '../ui/rows.ts';

const HEADER = 'commit\tval_bpb\tmemory_gb\tstatus\tdescription\n';

test('memory_gb is the recorded peak_mem_mb (the highest of the runs), before any final fact; 0.0 when none is known', () => {
  restartIds();
  const rows = [
    row({ seed: 1, metric: 1.5, peak_mem_mb: 45060.2, final_json: '{"peak_vram_mb":1}' }),
    row({ seed: 2, metric: 1.7, peak_mem_mb: 45158.4 }),
    // A log written before v8: only the final facts say it.
    row({ kind: 'llm', decision: 'revert', metric: 1.6, description: 'old run', peak_mem_mb: null, final_json: '{"peak_vram_mb":2048}' }),
    row({ kind: 'llm', decision: 'revert', metric: 1.8, description: 'silent', peak_mem_mb: null }),
  ];
  assert.equal(
    autoresearchTsv(session({ baseline_commit: '0123456789' }), rows),
    `${HEADER}0123456\t1.600000\t44.1\tkeep\tbaseline (mean of 2 of 2 runs)\n\t1.600000\t2.0\tdiscard\told run\n\t1.800000\t0.0\tdiscard\tsilent\n`,
  );
});

test('crash rows are 0.000000 and 0.0; runs made invalid by a rule do not make a change a crash; a keep stays a keep', () => {
  restartIds();
  const rows = [
    row({ seed: 1, metric: 1.5, peak_mem_mb: 1024 }),
    row({ seed: 2, status: 'invalid', metric: null, reason: 'the seed is ignored' }),
    // Reverted, with a confirmation that crashed after using memory: a crash, memory 0.0 as autoresearch writes it.
    row({ id: 10, kind: 'llm', decision: 'revert', metric: 1.4, peak_mem_mb: 4096, description: 'wider' }),
    row({ kind: 'confirm', parent_id: 10, decision: null, status: 'crashed', metric: null, peak_mem_mb: 80_000 }),
    // Its confirmations invalid (a script that ignores its seed): the screen's value, kept.
    row({ id: 20, kind: 'llm', decision: 'keep', commit_sha: 'fedcba9876', metric: 1.3, peak_mem_mb: 2048, description: 'deeper' }),
    row({ kind: 'confirm', parent_id: 20, decision: null, status: 'invalid', metric: null }),
    row({ kind: 'llm', decision: 'revert', status: 'invalid', metric: null, description: 'forged' }),
  ];
  assert.equal(
    autoresearchTsv(session({ baseline_commit: 'abcdef0123' }), rows),
    `${HEADER}abcdef0\t1.500000\t1.0\tkeep\tbaseline (mean of 1 of 2 runs)\n` +
      '\t0.000000\t0.0\tcrash\twider\n' +
      'fedcba9\t1.300000\t2.0\tkeep\tdeeper\n' +
      '\t0.000000\t0.0\tcrash\tforged\n',
  );
});
