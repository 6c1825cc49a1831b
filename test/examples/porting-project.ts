/** The worked example (examples/porting) as its tests run it: Debian's python3 with torch, one thread. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO, tempDir } from '../helpers.ts';

export const EXAMPLE = path.join(REPO, 'examples', 'porting');
const PYTHON = '/usr/bin/python3';

/** A skip reason when the example's python3 cannot import torch; false when it can. */
export const noTorch: string | false = spawnSync(PYTHON, ['-c', 'import torch']).status !== 0 && `import torch fails under ${PYTHON}`;

/**
 * The environment for a run of it: `python3` in nightshift.json is Debian's, one thread keeps the
 * tiny model quick on a shared machine, and scratch folders (adopt keeps its own when a project is
 * not ready) go where the test cleans up.
 */
export const exampleEnv = () => ({ PATH: `${path.dirname(PYTHON)}:/bin`, OMP_NUM_THREADS: '1', TMPDIR: tempDir('ns-porting-scratch-') });
