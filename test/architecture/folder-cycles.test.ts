import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

// Each folder directly under agent/ is one unit; files directly in agent/ are the shared base.
// A cycle between folders means neither can be read, tested or moved without the other,
// so the folder graph must stay a DAG. Type-only imports count: they couple the folders too.
const AGENT = path.resolve(import.meta.dirname, '../../agent');
const BASE = '(agent)';

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

function unitOf(file: string): string {
  const parts = path.relative(AGENT, file).split(path.sep);
  return parts.length === 1 ? BASE : parts[0]!;
}

// Static `from '…'`, side-effect `import '…'` and dynamic `import('…')`; only relative specifiers.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sources(AGENT)) {
    const from = unitOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const match of fs.readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const target = path.resolve(path.dirname(file), match[1]!);
      if (path.relative(AGENT, target).startsWith('..')) continue;
      const to = unitOf(target);
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

/** The shortest path of folders from `start` to `goal`, or null. */
function shortestPath(graph: Map<string, Set<string>>, start: string, goal: string): string[] | null {
  const previous = new Map<string, string>([[start, start]]);
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    if (node === goal) {
      const route = [goal];
      while (route[0] !== start) route.unshift(previous.get(route[0]!)!);
      return route;
    }
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return null;
}

/** One shortest cycle through every edge that lies on a cycle, each written from its smallest folder. */
function cycles(graph: Map<string, Set<string>>): string[] {
  const found = new Set<string>();
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const back = shortestPath(graph, to, from);
      if (!back) continue;
      const loop = [from, ...back.slice(0, -1)];
      const first = loop.indexOf([...loop].sort()[0]!);
      const rotated = [...loop.slice(first), ...loop.slice(0, first)];
      found.add([...rotated, rotated[0]].join(' -> '));
    }
  }
  return [...found].sort();
}

test('the folders under agent/ import each other without cycles', () => {
  const found = cycles(folderGraph());
  assert.deepEqual(found, [], `folder import cycles:\n  ${found.join('\n  ')}`);
});
