/**
 * The run's TypeScript compiled by the agent before the run starts, into a folder beside the
 * workspace that runs get read-only as NIGHTSHIFT_COMPILED: the helpers' module hooks
 * (helpers/ts/ts-hooks.mjs) load a file's compiled text from there instead of loading esbuild and
 * starting its service, about a quarter of a second of every process's start-up (issue 16).
 *
 * Only the tree's editable and read-only files and the helper go there, never hidden ones: the
 * folder is visible to the code being judged. The evaluator is not given it (it compiles its own),
 * and the training and predictor processes see it read-only under bubblewrap. Without bubblewrap
 * a run could write to it, so before every run anything in it that is not byte for byte what the
 * agent wrote is removed: a planted file never outlives the run that planted it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT } from '../paths.ts';
import type { RunTree } from './run-request.ts';

interface TsHooks {
  compiledKey(source: string): string;
  TRANSFORM: { loader: 'ts'; format: 'esm'; target: string };
}

const HOOKS = path.join(PACKAGE_ROOT, 'helpers', 'ts', 'ts-hooks.mjs');
const HELPER = path.join(PACKAGE_ROOT, 'helpers', 'ts', 'nightshift.ts');
const TYPESCRIPT = /\.[cm]?ts$/;

export function compiledDir(opened: { workspace: { dir: string } }): string {
  return path.join(path.dirname(opened.workspace.dir), 'compiled');
}

const sha = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

/** Per folder: each file the agent wrote there and the hash of what it wrote. */
const written = new Map<string, Map<string, string>>();
// One compile per folder at a time: parallel runs would otherwise remove each other's new files as unknown.
const queues = new Map<string, Promise<unknown>>();

/** What compiling needs of a session: where its workspace is, and which of its files a run has. */
interface CompiledSession {
  workspace: { dir: string };
  sandbox: { config: { editable: readonly string[]; readonly: readonly string[] } };
}

/** Compiles the run's TypeScript files (the tree's editable and read-only ones, and the helper) that the folder lacks; the folder. */
export function compileForRun(opened: CompiledSession, tree: Pick<RunTree, 'dir'>): Promise<string> {
  const dir = compiledDir(opened);
  const { editable, readonly } = opened.sandbox.config;
  const files = [...editable, ...readonly].filter((f) => TYPESCRIPT.test(f)).map((f) => path.join(tree.dir, f));
  const next = (queues.get(dir) ?? Promise.resolve()).then(() => compileInto(dir, [...files, HELPER]));
  queues.set(
    dir,
    next.catch(() => {
      // The caller sees a failure through `next`; the queue only keeps the order, and one failed compile must not stop the next.
    }),
  );
  return next;
}

async function compileInto(dir: string, files: string[]): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const mine = written.get(dir) ?? new Map<string, string>();
  written.set(dir, mine);
  for (const name of fs.readdirSync(dir)) {
    const full = path.join(dir, name);
    const expected = mine.get(name);
    if (expected === undefined || !fs.statSync(full).isFile() || sha(fs.readFileSync(full, 'utf8')) !== expected) {
      fs.rmSync(full, { recursive: true, force: true });
      mine.delete(name);
    }
  }
  const hooks = (await import(pathToFileURL(HOOKS).href)) as TsHooks;
  const { transform } = await import('esbuild');
  for (const file of files) {
    let source: string;
    try {
      source = fs.readFileSync(file, 'utf8');
    } catch {
      continue; // a file the change deleted: the run says so itself
    }
    const name = `${hooks.compiledKey(source)}.js`;
    if (mine.has(name)) continue;
    let code: string;
    try {
      code = (await transform(source, { ...hooks.TRANSFORM, sourcefile: file })).code;
    } catch {
      continue; // a file esbuild refuses: the run's own hook compiles it and prints why, in the run's log
    }
    const temporary = path.join(dir, `.${name}.${process.pid}`);
    fs.writeFileSync(temporary, code);
    fs.renameSync(temporary, path.join(dir, name));
    mine.set(name, sha(code));
  }
  return dir;
}
