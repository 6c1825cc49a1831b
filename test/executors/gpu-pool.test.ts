import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../agent/errors.ts';
import { listGpus, parseGpuList } from '../../agent/executors/gpu-models.ts';
import { buildPool, parseGpuSlots, planSlots, SlotPool } from '../../agent/executors/gpu-pool.ts';
import { tempDir } from '../helpers.ts';

/** Runs `body` with a fake nvidia-smi first on PATH that prints `csv` (or fails with `exit`). */
async function withFakeNvidiaSmi<T>(csv: string, body: (bin: string) => Promise<T>, exit = 0): Promise<T> {
  const bin = tempDir();
  const file = path.join(bin, 'nvidia-smi');
  fs.writeFileSync(file, `#!/bin/sh\necho "$@" > ${JSON.stringify(path.join(bin, 'args'))}\ncat <<'EOF'\n${csv}EOF\nexit ${exit}\n`, { mode: 0o755 });
  const saved = process.env.PATH;
  process.env.PATH = `${bin}:${saved}`;
  try {
    return await body(bin);
  } finally {
    process.env.PATH = saved;
  }
}

const H200 = '0, GPU-aaaa-0, NVIDIA H200\n1, GPU-aaaa-1, NVIDIA H200\n';
const MIXED = '0, GPU-aaaa-0, NVIDIA H200\n1, GPU-bbbb-1, NVIDIA A100-SXM4-80GB\n';

test('--gpus and --gpus-per-run make slots of GPU ids; repeating a GPU shares it', () => {
  assert.deepEqual(parseGpuSlots('0,1,2,3'), [['0'], ['1'], ['2'], ['3']]);
  assert.deepEqual(parseGpuSlots('0, 1,2,3', 2), [
    ['0', '1'],
    ['2', '3'],
  ]);
  assert.deepEqual(parseGpuSlots('0,0,0,0'), [['0'], ['0'], ['0'], ['0']]);
  assert.deepEqual(parseGpuSlots('0,1,0,1', 2), [
    ['0', '1'],
    ['0', '1'],
  ]);
  assert.deepEqual(parseGpuSlots('GPU-1a2b-3c'), [['GPU-1a2b-3c']]);
  assert.deepEqual(planSlots({ parallel: 3 }), [[], [], []]);
  assert.deepEqual(planSlots({}), [[]]);
  assert.deepEqual(planSlots({ gpus: '0,1', parallel: 2 }), [['0'], ['1']]);
});

test('bad pool flags are refused with one sentence each', () => {
  const refused = (flags: Parameters<typeof planSlots>[0], pattern: RegExp) => {
    assert.throws(
      () => planSlots(flags),
      (error: unknown) => error instanceof UserError && pattern.test(error.message) && !error.message.includes('\n'),
    );
  };
  refused({ gpus: '0,1,2', gpusPerRun: 2 }, /--gpus lists 3 GPUs, which cannot be split into runs of 2/);
  refused({ gpus: '0,,1' }, /empty entry/);
  refused({ gpus: '' }, /empty entry/);
  refused({ gpus: 'cuda:0' }, /"cuda:0", which is not a GPU index/);
  refused({ gpus: '0,0,1,1', gpusPerRun: 2 }, /naming one GPU twice/);
  refused({ gpus: '0,0,1' }, /unevenly \(GPU 0 in 2, GPU 1 in 1 slots\)/);
  refused({ gpus: '0,1', parallel: 3 }, /--parallel 3 disagrees with the 2 slots/);
  refused({ gpusPerRun: 2 }, /--gpus-per-run needs --gpus/);
  refused({ parallel: 0 }, /^--parallel: /);
  refused({ gpus: '0', gpusPerRun: 1.5 }, /^--gpus-per-run: /);
});

test('a slot is held by one run at a time; a shared GPU is several slots', () => {
  const pool = new SlotPool(parseGpuSlots('0,0').map((gpus, index) => ({ index, gpus, model: null })));
  const a = pool.acquire('a');
  assert.deepEqual(a, { index: 0, gpus: ['0'], model: null });
  assert.equal(pool.acquire('a'), a, 'a run asking again keeps its slot');
  assert.equal(pool.acquire('b')?.index, 1);
  assert.equal(pool.acquire('c'), null);
  assert.equal(pool.free, 0);
  pool.release('a');
  pool.release('never-held');
  assert.equal(pool.acquire('c')?.index, 0);
  assert.deepEqual(
    pool.held().map(({ slot, run }) => [slot.index, run]),
    [
      [0, 'c'],
      [1, 'b'],
    ],
  );
});

test('after a restart the pool is rebuilt from the GPUs the runs in flight recorded', () => {
  const pool = new SlotPool(parseGpuSlots('0,1,2,3', 2).map((gpus, index) => ({ index, gpus, model: 'NVIDIA H200' })));
  assert.equal(pool.adopt('ns-1-5-1', ['2', '3'], 1)?.index, 1);
  assert.equal(pool.adopt('ns-1-5-1', ['2', '3'], 1)?.index, 1, 'adopting twice is one hold');
  assert.equal(pool.adopt('ns-1-6-1', ['2', '3']), null, 'that slot is taken, and no other has those GPUs');
  assert.equal(pool.adopt('ns-1-7-1', ['5']), null, 'GPUs no longer in the pool: the run goes on outside it');
  assert.equal(pool.acquire('new')?.index, 0, 'a new run gets the slot nobody holds');
  // Shared GPUs: the hint is taken when free, else another slot with the same GPU.
  const shared = new SlotPool(parseGpuSlots('0,0,0').map((gpus, index) => ({ index, gpus, model: null })));
  assert.equal(shared.adopt('x', ['0'], 2)?.index, 2);
  assert.equal(shared.adopt('y', ['0'], 2)?.index, 0);
  assert.equal(shared.free, 1);
});

test("nvidia-smi's list is parsed; each slot gets its GPUs' model", async () => {
  assert.deepEqual(parseGpuList('0, GPU-1, NVIDIA H200\n\n1, GPU-2, Odd, Name\n'), [
    { index: '0', uuid: 'GPU-1', name: 'NVIDIA H200' },
    { index: '1', uuid: 'GPU-2', name: 'Odd, Name' },
  ]);
  const pool = await withFakeNvidiaSmi(H200, () => buildPool({ gpus: '0,GPU-aaaa-1' }));
  assert.deepEqual(
    pool.slots.map((slot) => [slot.gpus.join(','), slot.model]),
    [
      ['0', 'NVIDIA H200'],
      ['GPU-aaaa-1', 'NVIDIA H200'],
    ],
  );
});

test('the query is the one nvidia-smi documents (index, uuid, name as CSV without a header)', async () => {
  const args = await withFakeNvidiaSmi(H200, async (bin) => {
    await listGpus();
    return fs.readFileSync(path.join(bin, 'args'), 'utf8');
  });
  assert.equal(args.trim(), '--query-gpu=index,uuid,name --format=csv,noheader');
});

test('a pool of mixed GPU models is refused unless allowed', async () => {
  await withFakeNvidiaSmi(MIXED, async () => {
    await assert.rejects(
      buildPool({ gpus: '0,1' }),
      (error: unknown) =>
        error instanceof UserError &&
        error.message ===
          'the GPUs of --gpus are of different models (0: NVIDIA H200, 1: NVIDIA A100-SXM4-80GB), so their runs would not be comparable; list GPUs of one model, or pass --allow-mixed-gpus',
    );
    const allowed = await buildPool({ gpus: '0,1', allowMixed: true });
    assert.deepEqual(
      allowed.slots.map((slot) => slot.model),
      ['NVIDIA H200', 'NVIDIA A100-SXM4-80GB'],
    );
    const spanning = await buildPool({ gpus: '0,1', gpusPerRun: 2, allowMixed: true });
    assert.equal(spanning.slots[0]!.model, 'NVIDIA H200 + NVIDIA A100-SXM4-80GB');
    // One model among the listed GPUs is fine even on a mixed machine.
    assert.equal((await buildPool({ gpus: '1,1' })).slots[0]!.model, 'NVIDIA A100-SXM4-80GB');
  });
});

test('a GPU nvidia-smi does not list, or an nvidia-smi that fails, is one sentence', async () => {
  await withFakeNvidiaSmi(H200, () => assert.rejects(buildPool({ gpus: '0,7' }), /--gpus names GPU 7, which nvidia-smi does not list \(it lists 0, 1\)/));
  await withFakeNvidiaSmi(
    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n",
    () => assert.rejects(buildPool({ gpus: '0' }), /^UserError: nvidia-smi failed, so the models .* \(NVIDIA-SMI has failed because/),
    9,
  );
});

test('without nvidia-smi the models are unknown and nothing is refused; CPU slots never ask for it', async () => {
  const empty = tempDir();
  const saved = process.env.PATH;
  // A PATH with sh and cat but no nvidia-smi: a folder of links to the two.
  for (const tool of ['sh', 'cat']) fs.symlinkSync(`/bin/${tool}`, path.join(empty, tool));
  process.env.PATH = empty;
  try {
    assert.equal(await listGpus(), null);
    const pool = await buildPool({ gpus: '0,1' });
    assert.deepEqual(
      pool.slots.map((slot) => slot.model),
      [null, null],
    );
  } finally {
    process.env.PATH = saved;
  }
  let asked = false;
  const cpu = await buildPool({ parallel: 2 }, async () => {
    asked = true;
    return [];
  });
  assert.equal(asked, false);
  assert.deepEqual(
    cpu.slots.map((slot) => slot.gpus),
    [[], []],
  );
});
