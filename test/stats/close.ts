import assert from 'node:assert/strict';

/** Asserts |actual − expected| ≤ tol (absolute), with both numbers in the message. */
export function close(actual: number, expected: number, tol: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} expected ${expected} ± ${tol}, got ${actual}`);
}
