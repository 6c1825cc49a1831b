import { execa } from 'execa';

/** Whether bubblewrap is installed and allowed to make namespaces here; the reason when not. */
export async function probeBwrap(): Promise<{ usable: true } | { usable: false; reason: string }> {
  try {
    await execa('bwrap', ['--ro-bind', '/', '/', '--unshare-all', '--die-with-parent', '--', '/bin/true'], { timeout: 10_000 });
    return { usable: true };
  } catch (error) {
    const e = error as { code?: string; stderr?: string; shortMessage?: string };
    if (e.code === 'ENOENT') return { usable: false, reason: 'bwrap is not installed (Debian: apt-get install bubblewrap)' };
    return { usable: false, reason: `bwrap cannot create namespaces here (${(e.stderr || e.shortMessage || 'unknown error').trim().split('\n')[0]})` };
  }
}
