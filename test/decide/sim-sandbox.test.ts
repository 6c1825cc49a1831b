import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SANDBOX = fileURLToPath(new URL('../../bench/sim-sandbox/', import.meta.url));
const temps: string[] = [];
after(() => {
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

/** A copy of the sandbox with its own truth.json and config edits (the way a bench plants one). */
function planted(truth: object, edits: [from: string, to: string][] = []): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-sim-'));
  temps.push(dir);
  fs.cpSync(SANDBOX, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'truth.json'), JSON.stringify(truth));
  let script = fs.readFileSync(path.join(dir, 'train.mjs'), 'utf8');
  for (const [from, to] of edits) {
    assert.ok(script.includes(from), `train.mjs has no ${from}`);
    script = script.replace(from, to);
  }
  fs.writeFileSync(path.join(dir, 'train.mjs'), script);
  return dir;
}

/** Runs the script as the runner would and returns its @ns lines, parsed (bare NaN allowed). */
function train(dir: string, seed: number): Record<string, unknown>[] {
  const out = execFileSync(process.execPath, ['train.mjs'], { cwd: dir, env: { PATH: process.env.PATH, NIGHTSHIFT_SEED: String(seed) }, encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.startsWith('@ns '))
    .map((l) => JSON.parse(l.slice(4).replace(/:NaN/g, ':"NaN"')) as Record<string, unknown>);
}
const finalOf = (dir: string, seed: number) => {
  const final = train(dir, seed).at(-1)!;
  assert.equal(final.final, true);
  return final.val_bpb === 'NaN' ? NaN : (final.val_bpb as number);
};

describe('simulated training sandbox', () => {
  it('declares the protocol: command, metric, goal, editable and read-only files', () => {
    const config = JSON.parse(fs.readFileSync(path.join(SANDBOX, 'nightshift.json'), 'utf8'));
    assert.deepEqual(config, { command: 'node train.mjs', metric: 'val_bpb', goal: 'minimize', editable: ['train.mjs'], readonly: ['truth.json'] });
    const script = fs.readFileSync(path.join(SANDBOX, 'train.mjs'), 'utf8');
    assert.match(script, /^\s+residual: true, +\/\/ @ablate false$/m);
    assert.match(script, /^\s+lr: 0\.003, +\/\/ @knob 1e-4\.\.1e-2 log$/m);
  });

  it('prints step lines and a final line whose value changes with the seed and with nothing else', () => {
    const lines = train(SANDBOX, 1);
    assert.ok(lines.filter((l) => 'step' in l).length >= 2);
    const a = finalOf(SANDBOX, 1);
    assert.ok(Number.isFinite(a) && Math.abs(a - 1.9) < 0.2, `val_bpb ${a}`);
    assert.equal(finalOf(SANDBOX, 1), a);
    assert.notEqual(finalOf(SANDBOX, 2), a);
  });

  it('reports exactly the planted function when there is no noise', () => {
    const truth = {
      base: 2,
      noiseSd: 0,
      effects: { residual: { false: 0.3 }, layerNorm: { false: 0.1 }, posEncoding: { none: 0.05 } },
      interactions: [{ when: { residual: false, layerNorm: false }, effect: 0.2 }],
      knobs: { lr: { optimum: 0.003, curvature: 0.5, scale: 'log' }, heads: { values: { '4': 0.01 } } },
    };
    const close = (x: number, y: number) => assert.ok(Math.abs(x - y) < 1e-12, `${x} vs ${y}`);
    close(finalOf(planted(truth), 5), 2.01);
    close(finalOf(planted(truth, [['residual: true,', 'residual: false,']]), 5), 2.31);
    close(
      finalOf(
        planted(truth, [
          ['residual: true,', 'residual: false,'],
          ['layerNorm: true,', 'layerNorm: false,'],
        ]),
        5,
      ),
      2.61,
    );
    close(finalOf(planted(truth, [["posEncoding: 'sinusoidal',", "posEncoding: 'none',"]]), 5), 2.06);
    close(finalOf(planted(truth, [['lr: 0.003,', 'lr: 0.03,']]), 5), 2.01 + 0.5);
  });

  it('reports NaN past a divergence bound', () => {
    const truth = { base: 2, noiseSd: 0.01, knobs: { lr: { optimum: 0.003, curvature: 0.5, scale: 'log', divergeAbove: 0.01 } } };
    assert.ok(Number.isNaN(finalOf(planted(truth, [['lr: 0.003,', 'lr: 0.02,']]), 1)));
  });

  it('seedCorrelation 1 shares all noise between configurations of a seed; 0 shares none', () => {
    const truth = (rho: number) => ({ base: 2, noiseSd: 0.05, seedCorrelation: rho, effects: { bias: { false: 0.1 } } });
    const off: [string, string][] = [['bias: true,', 'bias: false,']];
    const diff = (rho: number, seed: number) => finalOf(planted(truth(rho), off), seed) - finalOf(planted(truth(rho)), seed);
    assert.ok(Math.abs(diff(1, 3) - 0.1) < 1e-12);
    assert.ok(Math.abs(diff(0, 3) - 0.1) > 1e-6);
  });

  it('fails loudly on a truth.json it cannot use', () => {
    const dir = planted({ base: 'x', noiseSd: 1 });
    assert.throws(() => train(dir, 1), /truth\.json needs a number/);
  });
});
