import assert from 'node:assert/strict';
import { it } from 'node:test';
import { isSimplification } from '../../agent/session/simplification.ts';

it('a simplification only removes: REMOVE ablations, or a diff with deletions and no additions', () => {
  const spec = (...actions: string[]) => JSON.stringify(actions.map((action) => ({ part: 'x', action, from: 'true', to: 'false' })));
  assert.equal(isSimplification({ spec_json: spec('REMOVE'), diff: '-a\n+b\n' }), true);
  assert.equal(isSimplification({ spec_json: spec('REMOVE', 'REPLACE'), diff: '' }), false);
  const diff = (body: string) => `--- a/train.py\n+++ b/train.py\n@@ -1,3 +1,2 @@\n${body}`;
  assert.equal(isSimplification({ spec_json: null, diff: diff(' keep\n-gone\n-gone too\n') }), true);
  assert.equal(isSimplification({ spec_json: null, diff: diff('-old\n+new\n') }), false);
  assert.equal(isSimplification({ spec_json: null, diff: '' }), false);
});
