import fs from 'node:fs';
import path from 'node:path';

/** Top-level system folders; on a merged-usr system most are links into /usr, made as links. */
const TOP = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * What programs read from /etc to start and behave: the loader's cache, users and groups (for
 * getpwuid), name service and hosts, time zone, certificates, Debian's alternatives (links that
 * /usr/bin/python3 and friends go through), locale and MIME tables, OS identity, GPU vendor
 * files. Never shadow, gshadow, sudoers, ssh, ssl/private, pip.conf or npmrc (index tokens).
 */
const ETC = [
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'passwd',
  'group',
  'nsswitch.conf',
  'hosts',
  'host.conf',
  'hostname',
  'localtime',
  'timezone',
  'ssl/certs',
  'ssl/openssl.cnf',
  'ca-certificates',
  'ca-certificates.conf',
  'pki/tls/certs',
  'pki/ca-trust',
  'alternatives',
  'mime.types',
  'protocols',
  'services',
  'os-release',
  'lsb-release',
  'debian_version',
  'locale.alias',
  'gai.conf',
  'fonts',
  'OpenCL',
  'vulkan',
  'glvnd',
  'nvidia',
].map((name) => path.join('/etc', name));

/** Hardware descriptions (no secrets): CPU topology for thread pools, PCI devices for NVML and CUDA. */
const SYS = ['/sys/block', '/sys/bus', '/sys/class', '/sys/dev', '/sys/devices'];

export interface SystemView {
  readonly: string[];
  symlinks: [string, string][];
}

/** The system part of a view, as this machine has it: links stay links, missing paths are left out. */
export function systemView(): SystemView {
  const view: SystemView = { readonly: [], symlinks: [] };
  for (const p of [...TOP, ...ETC, ...SYS]) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(p);
    } catch (error) {
      // Not on this machine: nothing to show the run.
      if (!(error instanceof Error && 'code' in error)) throw error;
      continue;
    }
    if (stat.isSymbolicLink()) view.symlinks.push([fs.readlinkSync(p), p]);
    else view.readonly.push(p);
  }
  return view;
}
