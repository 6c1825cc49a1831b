/**
 * The run folder's contract, the same for every executor: `run.sh` (the wrapper, POSIX sh so it
 * runs on a GPU node with no Node.js), `output.log` (the command's stdout and stderr) and
 * `result.json`, written by the wrapper when the command ends, atomically (write, then rename).
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readJsonFile } from '../json-file.ts';
import type { RunResult, RunSpec } from './types.ts';

export const WRAPPER = 'run.sh';
export const OUTPUT_LOG = 'output.log';
export const RESULT_FILE = 'result.json';

/** One word for sh: single-quoted, a quote inside closed, escaped and reopened. */
export function shellWord(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RUN_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * The wrapper's text. It runs the command with exactly `spec.env` (plus the GPUs the executor or
 * Slurm chose, and the run's name), forwards TERM and INT to it, and records how it ended.
 */
export function wrapperScript(spec: Pick<RunSpec, 'name' | 'runDir' | 'cwd' | 'argv' | 'env'>): string {
  // The name stands in the script's comment, a Slurm job name and process environments: plain characters only.
  if (!RUN_NAME.test(spec.name)) throw new Error(`the run name ${JSON.stringify(spec.name)} is not letters, digits, dots, dashes and underscores`);
  const bad = Object.keys(spec.env).find((key) => !ENV_NAME.test(key));
  if (bad !== undefined) throw new Error(`the environment variable name ${JSON.stringify(bad)} cannot be passed to a run`);
  if (spec.argv.length === 0) throw new Error(`run ${spec.name} has no command`);
  // A NUL cannot stand in a sh script, an argument or the environment: say so rather than write a broken wrapper.
  const words = [spec.cwd, ...spec.argv, ...Object.values(spec.env)];
  if (words.some((word) => word.includes('\0'))) throw new Error(`run ${spec.name} has a NUL character in its command, directory or environment`);
  const env = Object.entries(spec.env)
    .filter(([key]) => key !== 'CUDA_VISIBLE_DEVICES' && key !== 'NIGHTSHIFT_RUN_NAME')
    .map(([key, value]) => shellWord(`${key}=${value}`));
  const dir = shellWord(path.resolve(spec.runDir));
  return [
    '#!/bin/sh',
    `# nightshift run ${spec.name}: runs the command, then writes ${RESULT_FILE} (agent/executors/run-folder.ts)`,
    `dir=${dir}`,
    'started=$(date -u +%Y-%m-%dT%H:%M:%SZ)',
    'gpus="$CUDA_VISIBLE_DEVICES"',
    // A cancel (TERM, INT) goes to the command; the wrapper lives on to record how it ended. Set
    // before the command starts, so a cancel that comes at once is recorded too.
    'child=',
    'stop=',
    `trap 'stop=1; [ -z "$child" ] || kill -TERM $child 2>/dev/null' TERM INT`,
    // In a subshell that execs the command, so $! is the command's pid in any POSIX sh, and a cd
    // that fails says why in the log. (An asynchronous command starts with INT ignored: POSIX.)
    `(cd ${shellWord(path.resolve(spec.cwd))} && exec env -i ${env.join(' ')} CUDA_VISIBLE_DEVICES="$gpus" NIGHTSHIFT_RUN_NAME=${shellWord(spec.name)} ${spec.argv.map(shellWord).join(' ')}) >"$dir/${OUTPUT_LOG}" 2>&1 </dev/null &`,
    'child=$!',
    '[ -z "$stop" ] || kill -TERM $child 2>/dev/null',
    'code=0',
    // wait returns early (above 128) when a trapped signal arrives: wait again until the command is gone.
    'while :; do wait $child; code=$?; kill -0 $child 2>/dev/null || break; done',
    'signal=null',
    // sh reports a command killed by signal n as 128+n; one that exits 129..255 by itself reads the same.
    'if [ $code -gt 128 ]; then signal="\\"SIG$(kill -l $((code - 128)))\\""; code=null; fi',
    'ended=$(date -u +%Y-%m-%dT%H:%M:%SZ)',
    // uname is POSIX (hostname is not on every node); under Slurm the node's Slurm name, as squeue shows it.
    // Both values are kept to characters JSON needs no escape for.
    `node=$(printf '%s' "\${SLURMD_NODENAME:-$(uname -n)}" | tr -cd 'A-Za-z0-9._-')`,
    "gpus=$(printf '%s' \"$gpus\" | tr -cd 'A-Za-z0-9,._:/-')",
    // The model of the run's GPUs as this node's nvidia-smi names them (runs are compared only
    // within one model); nothing where the run had no GPU or the node has no nvidia-smi.
    'model=',
    `[ -z "$gpus" ] || model=$(nvidia-smi --query-gpu=name --format=csv,noheader -i "$gpus" 2>/dev/null | sort -u | awk 'NR > 1 { printf " + " } { printf "%s", $0 }' | tr -cd 'A-Za-z0-9 ._+()-')`,
    `printf '{"exitCode":%s,"signal":%s,"startedAt":"%s","endedAt":"%s","node":"%s","gpus":"%s","gpuModel":"%s"}\\n' "$code" "$signal" "$started" "$ended" "$node" "$gpus" "$model" >"$dir/${RESULT_FILE}.tmp"`,
    `mv "$dir/${RESULT_FILE}.tmp" "$dir/${RESULT_FILE}"`,
    '',
  ].join('\n');
}

/** Makes the run folder and writes the wrapper into it; returns the wrapper's path. */
export function prepareRunFolder(spec: Pick<RunSpec, 'name' | 'runDir' | 'cwd' | 'argv' | 'env'>): string {
  fs.mkdirSync(spec.runDir, { recursive: true });
  const file = path.join(spec.runDir, WRAPPER);
  fs.writeFileSync(file, wrapperScript(spec), { mode: 0o755 });
  return file;
}

const ResultFile = z.object({
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  startedAt: z.string(),
  endedAt: z.string(),
  node: z.string(),
  gpus: z.string(),
  // Absent from the result files of runs started before v8's wrapper.
  gpuModel: z.string().optional(),
});

/** The result the wrapper wrote, or null while the command runs; a garbled file is an error naming it. */
export function readResult(runDir: string): RunResult | null {
  const file = path.join(runDir, RESULT_FILE);
  const json = readJsonFile(file, 'its wrapper');
  if (json === undefined) return null;
  const parsed = ResultFile.safeParse(json);
  if (!parsed.success) throw new Error(`${file} is not the result its wrapper writes (${parsed.error.issues[0]?.path.join('.')})`);
  const { gpus, gpuModel, ...rest } = parsed.data;
  return { ...rest, gpus: gpus === '' ? [] : gpus.split(','), gpuModel: gpuModel || null };
}
