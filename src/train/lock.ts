/**
 * One writer per run: `train` holds `<run>/run.lock` (pid, host, start time, command) while it
 * writes the run, so a second `train --resume` of a run that is still training is refused instead
 * of interleaving checkpoints and metrics. The lock is created with an exclusive hard link (atomic
 * on every local file system); a lock left by a process that is gone from this host is taken over
 * with a warning; one from another host is only reported (its process cannot be checked from here),
 * unless it was left by the same Slurm job (a requeued array task restarted on another node).
 */
import { linkSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { HyperloaderError } from '../errors.js';
import { atomicTempPath } from '../runtime/fs.js';

export const LOCK_FILE = 'run.lock';
/** A lock moved aside to be checked before it is taken over: [whole, LOCK_FILE, the mover's pid]. */
export const LOCK_ASIDE_NAME = /^(run\.lock)\.stale-(\d+)$/;

export interface LockInfo {
  pid: number;
  host: string;
  started: string;
  command: string;
  /** Under Slurm: the job (an array task's own job id), which keeps its id when it is requeued. */
  slurm_job?: string;
}

export interface RunLock {
  readonly path: string;
  /** Removes the lock if it is still ours. Idempotent. */
  release(): void;
}

/** The lock's holder, or null (none, or unreadable: a lock cut short is nobody's). */
export function readLock(runDir: string): LockInfo | null {
  try {
    const info = JSON.parse(readFileSync(join(runDir, LOCK_FILE), 'utf8')) as LockInfo;
    return Number.isInteger(info.pid) && typeof info.host === 'string' ? info : null;
  } catch {
    return null;
  }
}

/** Whether a process of this host is alive (this one included; EPERM: alive, not ours). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a lock's process is alive; a lock from another host counts as alive (we cannot tell). */
export function holderAlive(info: LockInfo): boolean {
  return info.host !== hostname() || processAlive(info.pid);
}

export function describeHolder(info: LockInfo): string {
  return `process ${info.pid} on ${info.host} (started ${info.started}: ${info.command})`;
}

/**
 * Takes the run's lock or throws a user error naming the holder. `warn` hears about a stale lock
 * taken over.
 */
export function acquireRunLock(runDir: string, warn: (msg: string) => void = () => {}): RunLock {
  const path = join(runDir, LOCK_FILE);
  const slurmJob = process.env.SLURM_JOB_ID;
  const mine: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command: process.argv.slice(1).join(' '), ...(slurmJob ? { slurm_job: slurmJob } : {}) };
  const tmp = atomicTempPath(path); // the same name writeFileAtomic uses, so removeUnfinishedWrites knows it
  writeFileSync(tmp, JSON.stringify(mine) + '\n');
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 3) throw e;
      }
      const held = readLock(runDir);
      // Slurm runs one instance of a job at a time: a lock left by this very job (killed on another
      // node, then requeued) is stale even though its host cannot be checked from here.
      const sameJob = held?.slurm_job !== undefined && held.slurm_job === slurmJob && held.host !== hostname();
      if (held && holderAlive(held) && !sameJob) {
        throw new HyperloaderError(
          `${runDir} is being written by ${describeHolder(held)}. Wait for it to finish (or stop it), then run this again. ` +
            (held.host === hostname() ? '' : `If that process is gone, delete ${path}.`),
          { exitCode: 1 },
        );
      }
      // Stale (its process is gone) or unreadable: move it aside, then check that what moved is
      // what we judged stale — another process may have taken the lock in between.
      const aside = `${path}.stale-${process.pid}`;
      try {
        renameSync(path, aside);
      } catch {
        continue; // gone already: try again
      }
      const moved = readLockFile(aside);
      if (moved && held && moved.pid === held.pid && moved.started === held.started) {
        rmSync(aside, { force: true });
        warn(`${runDir}: took over the lock of ${describeHolder(held)}, which is no longer running`);
      } else if (moved && holderAlive(moved)) {
        renameSync(aside, path); // a live holder got in first: put its lock back
      } else rmSync(aside, { force: true });
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    const now = readLock(runDir);
    if (now && now.pid === mine.pid && now.started === mine.started) {
      try {
        unlinkSync(path);
      } catch {
        /* gone already */
      }
    }
    process.off('exit', release);
  };
  // A process that exits without reaching `release` (process.exit on a second Ctrl-C) still frees it.
  process.on('exit', release);
  return { path, release };
}

function readLockFile(file: string): LockInfo | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return null;
  }
}
