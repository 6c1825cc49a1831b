import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { readLines } from '../../agent/runner/lines.ts';

async function split(chunks: (string | Buffer)[], cap: number): Promise<[string, boolean][]> {
  const stream = new PassThrough();
  const got: [string, boolean][] = [];
  const done = readLines(stream, cap, (line, cut) => got.push([line, cut]));
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  await done;
  return got;
}

test('lines end at \\n, \\r or \\r\\n, also across chunk boundaries, and a last unterminated line is kept', async () => {
  assert.deepEqual(await split(['a\nb\r\nc\rd', '\n\ne\r', '\nf'], 100), [
    ['a', false],
    ['b', false],
    ['c', false],
    ['d', false],
    ['', false],
    ['e', false],
    ['f', false],
  ]);
  assert.deepEqual(await split(['one', ' two', ' three\n'], 100), [['one two three', false]]);
});

test('a multi-byte character split between chunks is decoded whole', async () => {
  const euro = Buffer.from('€\n');
  assert.deepEqual(await split([euro.subarray(0, 1), euro.subarray(1)], 100), [['€', false]]);
});

test('a line over the cap is delivered cut at the cap, the rest of it dropped, and the next line read whole', async () => {
  assert.deepEqual(await split(['12345', '6789', '0abc\nnext\n'], 4), [
    ['1234', true],
    ['next', false],
  ]);
  // Exactly the cap is not cut.
  assert.deepEqual(await split(['1234\n'], 4), [['1234', false]]);
  // An endless last line is still delivered once, cut.
  assert.deepEqual(await split(['x'.repeat(10), 'y'.repeat(10)], 4), [['xxxx', true]]);
});

test('an endless line from a real child keeps the agent flat: 300 MB without a newline, then a normal line', async () => {
  const script = `const b = Buffer.alloc(1 << 20, 120); let n = 300;
    const go = () => { while (n > 0) { n--; if (!process.stdout.write(b)) return process.stdout.once('drain', go); }
      process.stdout.write('\\n@ns {"final":true}\\n'); };
    go();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const got: [number, boolean][] = [];
  const lines: string[] = [];
  await readLines(child.stdout, 2 ** 20, (line, cut) => {
    got.push([line.length, cut]);
    lines.push(line.slice(0, 20));
    peak = Math.max(peak, process.memoryUsage().rss);
  });
  const after = process.memoryUsage().rss;
  peak = Math.max(peak, after);
  assert.deepEqual(got, [
    [2 ** 20, true],
    [18, false],
  ]);
  assert.equal(lines[1], '@ns {"final":true}');
  console.log(
    `agent RSS before ${(before / 2 ** 20).toFixed(0)} MiB, peak ${(peak / 2 ** 20).toFixed(0)} MiB, after ${(after / 2 ** 20).toFixed(0)} MiB over a 300 MiB line`,
  );
  assert.ok(after - before < 64 * 2 ** 20, `RSS grew by ${after - before} bytes`);
});
