/**
 * A real single-node Slurm cluster for the launcher tests: munged, slurmctld and slurmd on this
 * machine, with their state in a temporary folder and test/slurm/slurm.conf.in (one node named
 * after `hostname -s`, proctrack/linuxproc, no cgroups, no accounting) on free ports.
 *
 * Needs root (the daemons, the munge key). When Debian's slurm-wlm or munge is missing it installs
 * them with apt-get (about 10 s, 8 MB); as another user, or where that fails, the tests are
 * skipped with the reason. `stop()` ends only the daemons it started, by pid.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, hostname, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../helpers/paths.js';

export interface Cluster {
  dir: string;
  /** The environment for Slurm's client commands (SLURM_CONF set); also set on process.env. */
  env: NodeJS.ProcessEnv;
  /** Runs a Slurm command with this cluster's config. */
  run(cmd: string, args: string[]): { status: number; stdout: string; stderr: string };
  stop(): Promise<void>;
}

const BINARIES = ['/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/sbin/munged', '/usr/bin/munge', '/usr/bin/unmunge', '/usr/bin/sbatch', '/usr/bin/scontrol', '/usr/bin/sinfo'];

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, input?: string) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, input, timeout: 300_000 });
  return { status: r.status ?? (r.error ? 127 : 1), stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/** Installs slurm-wlm and munge when missing; a reason to skip, or undefined when they are there. */
function ensureInstalled(): string | undefined {
  if (BINARIES.every((b) => existsSync(b))) return undefined;
  if (process.getuid?.() !== 0) return `Slurm (slurm-wlm, munge) is not installed and this is not root: skipping the Slurm launcher tests (install them with apt-get as root, or run the tests as root)`;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = sh('apt-get', ['install', '-y', '-q', 'slurm-wlm', 'munge'], env);
  if (r.status !== 0) {
    sh('apt-get', ['update', '-q'], env);
    r = sh('apt-get', ['install', '-y', '-q', 'slurm-wlm', 'munge'], env);
  }
  if (r.status !== 0 || !BINARIES.every((b) => existsSync(b))) {
    return `apt-get install slurm-wlm munge failed (exit ${r.status}: ${r.stderr.trim().split('\n').slice(-2).join(' ')}): skipping the Slurm launcher tests`;
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

const mungeWorks = () => sh('bash', ['-c', 'munge -n | unmunge >/dev/null']).status === 0;

function pidFrom(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function stopPid(pid: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** Starts the cluster, or says why it cannot (then the tests skip with that reason). */
export async function startCluster(): Promise<Cluster | { skip: string }> {
  if (process.getuid?.() !== 0) return { skip: 'the Slurm launcher tests start slurmctld, slurmd and munged, which needs root: skipping' };
  const why = ensureInstalled();
  if (why) return { skip: why };
  const dir = mkdtempSync(join(tmpdir(), 'hl-slurm-'));
  mkdirSync(join(dir, 'state'));
  mkdirSync(join(dir, 'spool'));
  const started: number[] = [];
  const stop = async () => {
    for (const pid of [pidFrom(join(dir, 'slurmd.pid')), pidFrom(join(dir, 'slurmctld.pid')), ...started.splice(0)]) if (pid) await stopPid(pid);
  };
  try {
    // munge: reuse a working munged (someone else's: left running); else start one as the munge user.
    if (!mungeWorks()) {
      mkdirSync('/run/munge', { recursive: true });
      sh('chown', ['munge:munge', '/run/munge']);
      sh('chmod', ['0755', '/run/munge']);
      const key = '/etc/munge/munge.key';
      if (!existsSync(key) || readFileSync(key).length === 0) {
        if (sh('/usr/sbin/mungekey', ['--create', `--keyfile=${key}`]).status !== 0) sh('dd', ['if=/dev/urandom', 'bs=1', 'count=1024', `of=${key}`]);
      }
      sh('chown', ['munge:munge', key]);
      sh('chmod', ['0400', key]);
      const pidFile = '/run/munge/munged.pid';
      rmSync(pidFile, { force: true });
      const r = sh('runuser', ['-u', 'munge', '--', '/usr/sbin/munged', `--pid-file=${pidFile}`]);
      if (r.status !== 0) throw new Error(`munged did not start: ${r.stderr}`);
      for (let i = 0; i < 50 && !pidFrom(pidFile); i++) await sleep(100);
      const pid = pidFrom(pidFile);
      if (pid) started.push(pid);
      for (let i = 0; i < 50 && !mungeWorks(); i++) await sleep(100);
      if (!mungeWorks()) throw new Error('munge -n | unmunge fails after starting munged');
    }
    const conf = join(dir, 'slurm.conf');
    const fill: Record<string, string> = {
      HOST: hostname().split('.')[0]!,
      DIR: dir,
      MEM: String(Math.floor((totalmem() / 2 ** 20) * 0.9)),
      CPUS: String(availableParallelism()),
      CTLD_PORT: String(await freePort()),
      SLURMD_PORT: String(await freePort()),
    };
    const template = readFileSync(join(repoRoot, 'test', 'slurm', 'slurm.conf.in'), 'utf8');
    writeFileSync(conf, template.replace(/@([A-Z_]+)@/g, (m, k: string) => fill[k] ?? m));
    const env = { ...process.env, SLURM_CONF: conf };
    for (const daemon of ['/usr/sbin/slurmctld', '/usr/sbin/slurmd']) {
      const r = sh(daemon, ['-f', conf], env); // each daemonizes, its pid in dir/<name>.pid
      if (r.status !== 0) throw new Error(`${daemon} did not start (exit ${r.status}): ${r.stderr}`);
    }
    let state = '';
    for (let i = 0; i < 150; i++) {
      state = sh('sinfo', ['-h', '-o', '%t'], env).stdout.trim();
      if (state === 'idle') break;
      await sleep(200);
    }
    if (state !== 'idle') {
      const log = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').split('\n').slice(-8).join('\n') : '(no log)');
      throw new Error(`the Slurm node is "${state}", not idle, after 30 s\nslurmctld.log:\n${log('slurmctld.log')}\nslurmd.log:\n${log('slurmd.log')}`);
    }
    process.env.SLURM_CONF = conf;
    // If the test process ends without stop() (a crash, a timeout), the daemons still go.
    const onExit = () => {
      for (const pid of [pidFrom(join(dir, 'slurmd.pid')), pidFrom(join(dir, 'slurmctld.pid')), ...started]) if (pid && alive(pid)) process.kill(pid, 'SIGTERM');
    };
    process.once('exit', onExit);
    return {
      dir,
      env,
      run: (cmd, args) => sh(cmd, args, env),
      stop: async () => {
        process.off('exit', onExit);
        await stop();
        if (process.env.SLURM_CONF === conf) delete process.env.SLURM_CONF;
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
