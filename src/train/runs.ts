/** Opening an existing run directory: its saved config, its status, its checkpoints. */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HyperloaderError } from '../errors.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { hasCheckpoint, type CheckpointLabel } from './checkpoint.js';
import { readRunInfo, type RunInfo } from './run-folder.js';

export async function openRun(dir: string, backend?: Config['experiment']['backend']): Promise<{ runDir: string; config: Config; info: RunInfo | null }> {
  const runDir = resolve(dir);
  const file = join(runDir, 'config.yaml');
  if (!existsSync(file)) {
    throw new HyperloaderError(`${runDir} is not a run directory (no config.yaml); pass a directory that \`hyperloader train\` created, e.g. runs/quickstart`, { exitCode: 2 });
  }
  const { config } = await loadConfig(file);
  if (backend) config.experiment.backend = backend;
  return { runDir, config, info: readRunInfo(runDir) };
}

/** The checkpoint to use: the one asked for, else best when there is one and training selects it, else last. */
export function chooseCheckpoint(runDir: string, config: Config, asked?: CheckpointLabel): CheckpointLabel {
  if (asked) {
    if (!hasCheckpoint(runDir, asked)) {
      const other = asked === 'best' ? 'last' : 'best';
      throw new HyperloaderError(
        `${runDir} has no "${asked}" checkpoint` + (hasCheckpoint(runDir, other) ? `; it has "${other}" (--checkpoint ${other})` : ''),
        { exitCode: 2 },
      );
    }
    return asked;
  }
  if (config.training.select === 'best' && hasCheckpoint(runDir, 'best')) return 'best';
  if (hasCheckpoint(runDir, 'last')) return 'last';
  throw new HyperloaderError(`${runDir} has no checkpoint yet; train it first (or resume it with --resume)`, { exitCode: 2 });
}
