import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

// A catch that takes every error and looks at none of them hides bugs (a TypeError reads as
// "file absent"). So each one either looks at what it caught (rethrows, or tests a code or a
// type) or says in a comment why swallowing everything is right there.
const ROOT = path.resolve(import.meta.dirname, '../..');
const SCANNED = ['agent', 'bin'];

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return /\.(tsx?|m?js)$/.test(entry.name) ? [full] : [];
  });
}

/** The text between the bracket at `open` and the one that closes it. */
function enclosed(text: string, open: number): string {
  const pairs: Record<string, string> = { '{': '}', '(': ')' };
  const close = pairs[text[open]!]!;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === text[open]) depth++;
    else if (text[i] === close && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}

const LOOKS_OR_SAYS = /\bthrow\b|\binstanceof\b|\.(code|name)\b|'code' in\b|\/\/|\/\*/;

/** Lines (1-based) of catches that neither look at the error nor say why they swallow it. */
export function unexplainedCatches(text: string): number[] {
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  const found: number[] = [];
  // try { … } catch { … } and catch (e) { … }
  for (const m of text.matchAll(/(?<!\.)\bcatch\s*(?:\([^()]*\)\s*)?\{/g)) {
    if (!LOOKS_OR_SAYS.test(enclosed(text, m.index + m[0].length - 1))) found.push(lineOf(m.index));
  }
  // promise.catch(handler): the reason may also stand in a comment on the line above.
  for (const m of text.matchAll(/\.catch\(/g)) {
    const line = lineOf(m.index);
    const above = text.split('\n')[line - 2] ?? '';
    if (!LOOKS_OR_SAYS.test(enclosed(text, m.index + m[0].length - 1)) && !/\/\/|\*\//.test(above)) found.push(line);
  }
  return found.sort((a, b) => a - b);
}

test('the scan finds a bare catch and a bare .catch, and passes ones that look or say why', () => {
  assert.deepEqual(unexplainedCatches('try {\n  f();\n} catch {\n  return null;\n}\np.catch(() => null);\n'), [3, 6]);
  assert.deepEqual(unexplainedCatches("try { f(); } catch (error) {\n  if ((error as E).code !== 'ENOENT') throw error;\n}"), []);
  assert.deepEqual(unexplainedCatches('try { f(); } catch {\n  // Best effort at exit.\n}\n// Absent is fine.\np.catch(() => null);'), []);
});

test('every catch in agent/ and bin/ looks at the error it caught or says why it swallows it', () => {
  const unexplained = SCANNED.flatMap((dir) => sources(path.join(ROOT, dir))).flatMap((file) =>
    unexplainedCatches(fs.readFileSync(file, 'utf8')).map((line) => `${path.relative(ROOT, file)}:${line}`),
  );
  assert.deepEqual(unexplained, [], 'narrow these to the error they expect (and rethrow the rest), or say in a comment why they swallow everything');
});
