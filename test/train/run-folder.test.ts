import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeUnfinishedWrites } from '../../src/train/run-folder.js';

test('removeUnfinishedWrites: a killed writer\'s <name>.<pid>.tmp files go; a live lock-taker\'s and files not ours stay', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-runfolder-'));
  // A pid that certainly ended: a child that has exited.
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  const names = [
    'metrics.jsonl', // the real file
    `metrics.jsonl.${dead}.tmp`, // truncateMetrics killed mid-rewrite
    'run.json.12.tmp',
    `report.html.${dead}.tmp`,
    `run.lock.${dead}.tmp`, // a lock-taker that died
    `run.lock.stale-${dead}`,
    `run.lock.${process.pid}.tmp`, // a live lock-taker (this process)
    'notes.tmp', // not a writeFileAtomic name
    'data.v2.tmp',
  ];
  for (const n of names) writeFileSync(join(dir, n), 'x');
  await removeUnfinishedWrites(dir);
  assert.deepEqual(readdirSync(dir).sort(), ['data.v2.tmp', 'metrics.jsonl', 'notes.tmp', `run.lock.${process.pid}.tmp`].sort());
});
