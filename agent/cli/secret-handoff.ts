import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { isSecretName } from '../runner/env.ts';

/**
 * `run` keeps ANTHROPIC_API_KEY (and every other *_KEY/*_TOKEN/*_SECRET variable) out of any
 * environment a training run could read. A process cannot drop variables from its own
 * /proc/<pid>/environ, so the command starts itself again without them and hands them over on
 * an inherited pipe (never in the environment, never on the command line). This first process
 * only waits: it forwards signals and exits with the second one's code. Its own environ still
 * holds the secrets; with bubblewrap the run's PID namespace hides it, without it a script of
 * the same user could read it (README, "Isolation").
 */

/** Set in the second process: which inherited fd carries the secrets. */
const FD_VARIABLE = 'NIGHTSHIFT_SECRETS_FD';
/** stdin, stdout, stderr, then the pipe. */
const SECRETS_FD = 3;
/**
 * Never written: when the first process dies (kill -9 included) the second reads end-of-file here
 * and dies at once too, so killing the agent means what it meant before there were two.
 */
const LIFELINE_FD = 4;

function secretsOf(env: NodeJS.ProcessEnv): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && isSecretName(name)) found[name] = value;
  return found;
}

/** Whether this process should start itself again without its secrets before running `run`. */
export function mustHandOff(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[FD_VARIABLE] === undefined && Object.keys(secretsOf(env)).length > 0;
}

/**
 * The signal by which the first process passes on a SIGINT it received. A terminal's Ctrl-C
 * reaches both processes (the kernel signals the whole foreground group), while `kill -INT` of
 * the first reaches only it: so the second ignores SIGINT itself and acts on this one only, and
 * every Ctrl-C counts once, whoever sent it.
 */
export const RELAYED_SIGINT: NodeJS.Signals = 'SIGUSR2';

/**
 * Starts this same command again (same node, same loader flags, same arguments) without the
 * secret variables, writes them to its fd 3, forwards SIGINT (as RELAYED_SIGINT), SIGTERM and
 * SIGHUP, and resolves to its exit code (128 + n for a signal).
 */
export async function runWithoutSecrets(argv: string[]): Promise<number> {
  // Loaded here, not at the top: main.ts imports this module, and node:child_process (with the
  // modules it pulls in) is a measurable part of every command's start-up (bench/cli-startup.ts).
  const { spawn } = await import('node:child_process');
  const secrets = secretsOf(process.env);
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!(name in secrets)) env[name] = value;
  env[FD_VARIABLE] = String(SECRETS_FD);
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...argv], {
    env,
    stdio: ['inherit', 'inherit', 'inherit', 'pipe', 'pipe'],
  });
  const pipe = child.stdio[SECRETS_FD] as NodeJS.WritableStream;
  // The child may exit before reading (--help, a bad flag): a closed pipe is no error here.
  (pipe as unknown as NodeJS.EventEmitter).on('error', () => {});
  pipe.end(JSON.stringify(secrets));

  const forward = (signal: NodeJS.Signals) => () => void child.kill(signal === 'SIGINT' ? RELAYED_SIGINT : signal);
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => [signal, forward(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      for (const [name, handler] of handlers) process.off(name, handler);
      resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0));
    });
  });
}

let received: Record<string, string> | null = null;
let handedOver = false;

/** Whether this process was started by runWithoutSecrets (so its SIGINTs come as RELAYED_SIGINT). */
export function startedByHandOff(): boolean {
  handedSecrets();
  return handedOver;
}

/**
 * In the second process: the secrets the first handed over (read once, then the fd is closed),
 * or none when this process was started directly without any.
 */
export function handedSecrets(): Record<string, string> {
  if (received !== null) return received;
  const fd = process.env[FD_VARIABLE];
  received = {};
  if (fd === undefined) return received;
  handedOver = true;
  delete process.env[FD_VARIABLE];
  holdLifeline();
  const text = fs.readFileSync(Number(fd), 'utf8');
  fs.closeSync(Number(fd));
  // Checked by hand, not with zod: main.ts imports this module, and zod's load is most of a command's start-up.
  const parsed: unknown = JSON.parse(text);
  const isMap = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.values(parsed).every((v) => typeof v === 'string');
  if (!isMap) throw new Error(`the secrets handed over on fd ${fd} are not a map of names to values`);
  received = parsed as Record<string, string>;
  return received;
}

/** In the second process: die with the first (see LIFELINE_FD). Unref'd: it never keeps this process alive. */
function holdLifeline(): void {
  // Required when needed, as child_process above; synchronously, since the fd is taken first thing.
  const net = createRequire(import.meta.url)('node:net') as typeof import('node:net');
  const lifeline = new net.Socket({ fd: LIFELINE_FD, readable: true, writable: false });
  const die = () => process.kill(process.pid, 'SIGKILL');
  lifeline.on('end', die);
  lifeline.on('close', die);
  // An error on it means the first process is gone just the same.
  lifeline.on('error', die);
  lifeline.resume();
  lifeline.unref();
}
