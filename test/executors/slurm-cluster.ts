/**
 * A real two-node Slurm cluster on localhost, in a temporary folder, for the Slurm executor's
 * tests: its own munged (own key and socket), one slurmctld and two `slurmd -N` on distinct
 * ports, two fake GPUs per node (character devices made with mknod, so Slurm's gres plugin sets
 * CUDA_VISIBLE_DEVICES), jobcomp/filetxt and no accounting. Up in about a second; each daemon is
 * stopped by its pid. Needs root (slurmd runs jobs as their user) and Debian's slurm packages.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const DAEMONS = ['munged', 'slurmctld', 'slurmd'];
const TOOLS = ['sbatch', 'squeue', 'scontrol', 'scancel', 'sinfo'];
const SBIN = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export const NODES = ['n1', 'n2'] as const;
export const GPUS_PER_NODE = 2;

function which(tool: string, dirs: string[]): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(':'), ...dirs]) {
    const file = path.join(dir, tool);
    if (dir !== '' && fs.existsSync(file)) return file;
  }
  return null;
}

/** Why the cluster cannot be brought up here, or null when it can. */
export function clusterMissing(): string | null {
  const absent = [...DAEMONS, ...TOOLS].filter((tool) => which(tool, SBIN) === null);
  if (absent.length > 0) return `Slurm is not installed (no ${absent.join(', ')}; apt-get install slurmctld slurmd slurm-client munge)`;
  if (process.getuid?.() !== 0) return 'the test cluster needs root (slurmd runs each job as its user)';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-mknod-'));
  try {
    execFileSync('mknod', [path.join(dir, 'gpu'), 'c', '195', '0'], { stdio: 'pipe' });
  } catch (error) {
    return `the fake GPUs cannot be made here (mknod: ${String((error as { stderr?: unknown }).stderr ?? error).trim()})`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return null;
}

export interface Cluster {
  dir: string;
  /** The environment the Slurm tools need: SLURM_CONF pointing at this cluster. */
  env: NodeJS.ProcessEnv;
  /** A Slurm tool's stdout, run against this cluster. */
  tool(name: string, ...args: string[]): string;
  /** The pid of a daemon: 'munged', 'slurmctld', 'slurmd-n1', 'slurmd-n2'. */
  pids: Map<string, number>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function slurmConf(dir: string, host: string, ports: number[]): string {
  const [ctld, ...nodePorts] = ports;
  return [
    'ClusterName=nstest',
    `SlurmctldHost=${host}(127.0.0.1)`,
    `SlurmctldPort=${ctld}`,
    'SlurmUser=root',
    'SlurmdUser=root',
    'AuthType=auth/munge',
    'CredType=cred/munge',
    `AuthInfo=socket=${dir}/munge/socket`,
    `StateSaveLocation=${dir}/state`,
    `SlurmdSpoolDir=${dir}/spool/%n`,
    `SlurmctldPidFile=${dir}/run/slurmctld.pid`,
    `SlurmdPidFile=${dir}/run/slurmd.%n.pid`,
    `SlurmctldLogFile=${dir}/log/slurmctld.log`,
    `SlurmdLogFile=${dir}/log/slurmd.%n.log`,
    // No cgroups in a container: process groups track a job's processes.
    'ProctrackType=proctrack/pgid',
    'TaskPlugin=task/none',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_Core',
    'GresTypes=gpu',
    'JobCompType=jobcomp/filetxt',
    `JobCompLoc=${dir}/log/jobcomp.txt`,
    'AccountingStorageType=accounting_storage/none',
    'JobAcctGatherType=jobacct_gather/none',
    'MpiDefault=none',
    'ReturnToService=2',
    // The nodes are declared, not measured: both share this host's CPUs and memory.
    'SlurmdParameters=config_overrides',
    // Schedule within a second, not Slurm's default minute; quick kills and short timeouts keep tests short.
    'SchedulerParameters=sched_interval=1,bf_interval=1',
    'MinJobAge=60',
    'KillWait=2',
    'SlurmdTimeout=5',
    'MessageTimeout=5',
    'InactiveLimit=0',
    ...NODES.map(
      (node, i) =>
        `NodeName=${node} NodeHostname=${host} NodeAddr=127.0.0.1 Port=${nodePorts[i]} CPUs=2 RealMemory=1000 Gres=gpu:${GPUS_PER_NODE} State=UNKNOWN`,
    ),
    `PartitionName=debug Nodes=${NODES.join(',')} Default=YES MaxTime=INFINITE State=UP`,
    '',
  ].join('\n');
}

function gresConf(dir: string): string {
  const lines = ['AutoDetect=off'];
  NODES.forEach((node, i) => {
    const first = i * GPUS_PER_NODE;
    lines.push(`NodeName=${node} Name=gpu File=${dir}/dev/gpu[${first}-${first + GPUS_PER_NODE - 1}]`);
  });
  return `${lines.join('\n')}\n`;
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-8).join('\n');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '(no log)';
    throw error;
  }
}

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** Brings the cluster up and waits until both nodes are idle. */
export async function startCluster(): Promise<Cluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-slurm-'));
  for (const sub of ['state', 'spool', 'run', 'log', 'dev']) fs.mkdirSync(path.join(dir, sub));
  fs.mkdirSync(path.join(dir, 'munge'), { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'munge.key'), randomBytes(1024), { mode: 0o600 });
  // Fake GPUs: character devices with NVIDIA's major number, which is all gres.conf looks at.
  for (let i = 0; i < NODES.length * GPUS_PER_NODE; i++) execFileSync('mknod', [path.join(dir, 'dev', `gpu${i}`), 'c', '195', String(i)]);
  const ports = [await freePort(), await freePort(), await freePort()];
  const host = os.hostname().split('.')[0]!;
  fs.writeFileSync(path.join(dir, 'slurm.conf'), slurmConf(dir, host, ports));
  fs.writeFileSync(path.join(dir, 'gres.conf'), gresConf(dir));
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: path.join(dir, 'slurm.conf') };
  const children = new Map<string, ChildProcess>();
  const start = (name: string, file: string, args: string[]) => {
    const child = spawn(which(file, SBIN)!, args, { env, stdio: 'ignore' });
    child.unref();
    children.set(name, child);
  };
  const m = `${dir}/munge`;
  start('munged', 'munged', [
    '--foreground',
    '--force',
    `--socket=${m}/socket`,
    `--key-file=${dir}/munge.key`,
    `--pid-file=${m}/pid`,
    `--log-file=${m}/log`,
    `--seed-file=${m}/seed`,
  ]);
  const pids = new Map<string, number>();
  const cluster: Cluster = {
    dir,
    env,
    pids,
    tool: (name, ...args) => execFileSync(which(name, SBIN)!, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    stop: () => stopCluster(cluster, children),
  };
  try {
    await waitUntil(() => fs.existsSync(`${m}/socket`), 5000, 'munged to open its socket', `${m}/log`);
    start('slurmctld', 'slurmctld', ['-D', '-i']);
    for (const node of NODES) start(`slurmd-${node}`, 'slurmd', ['-D', '-N', node]);
    for (const [name, child] of children) pids.set(name, child.pid!);
    const idle = () => {
      try {
        const states = cluster.tool('sinfo', '--noheader', '--format=%t').trim();
        return states === 'idle';
      } catch {
        // sinfo fails until slurmctld listens; the wait retries.
        return false;
      }
    };
    await waitUntil(idle, 15_000, 'both nodes to be idle', `${dir}/log/slurmctld.log`);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string, log: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`the test cluster did not come up: timed out waiting for ${what}; ${log} ends:\n${tail(log)}`);
    await sleep(50);
  }
}

/** Cancels every job, then stops each daemon by its pid (TERM, then KILL after 5 s), and removes the folder. */
async function stopCluster(cluster: Cluster, children: Map<string, ChildProcess>): Promise<void> {
  if (children.has('slurmctld')) {
    try {
      cluster.tool('scancel', '--full', '--user=root');
      const active = () => cluster.tool('squeue', '--noheader', '--states=PENDING,RUNNING,COMPLETING,CONFIGURING').trim() !== '';
      const end = Date.now() + 5000;
      while (active() && Date.now() < end) await sleep(100);
    } catch (error) {
      // A controller that never came up has no jobs to cancel.
      if (!(error instanceof Error)) throw error;
    }
  }
  for (const name of ['slurmd-n1', 'slurmd-n2', 'slurmctld', 'munged']) {
    const child = children.get(name);
    if (child?.pid === undefined || !running(child)) continue;
    process.kill(child.pid, 'SIGTERM');
    const end = Date.now() + 5000;
    while (running(child) && Date.now() < end) await sleep(50);
    if (running(child)) process.kill(child.pid, 'SIGKILL');
  }
  fs.rmSync(cluster.dir, { recursive: true, force: true });
}
