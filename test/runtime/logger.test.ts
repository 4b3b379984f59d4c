import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, formatHuman, levelFromFlags } from '../../src/runtime/logger.js';

function capture() {
  const chunks: string[] = [];
  return { chunks, stream: { write: (s: string) => chunks.push(s) } };
}

test('JSON lines (debug and up) go to the log file, short lines (the chosen level and up) to stderr', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hyperloader-log-'));
  const logFile = join(dir, 'run', 'log.jsonl');
  const err = capture();
  const log = createLogger({ level: 'info', logFile, stderr: err.stream });
  log.debug({ step: 1 }, 'debug detail');
  log.info({ step: 2, loss: 1.5 }, 'step 2');
  log.warn('careful');
  const records = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(records.map((r) => [r.level, r.msg]), [[20, 'debug detail'], [30, 'step 2'], [40, 'careful']]);
  assert.equal(records[1].loss, 1.5);
  assert.match(records[1].time, /^\d{4}-\d\d-\d\dT/);
  assert.equal(err.chunks.length, 2);
  assert.match(err.chunks[0], /^\d\d:\d\d:\d\d step 2\n$/);
  assert.match(err.chunks[1], /^\d\d:\d\d:\d\d warning: careful\n$/);
});

test('--quiet shows warnings only, --verbose shows debug lines with their fields', () => {
  assert.equal(levelFromFlags({ quiet: true }), 'warn');
  assert.equal(levelFromFlags({ verbose: true }), 'debug');
  assert.equal(levelFromFlags({}), 'info');
  const q = capture();
  const quiet = createLogger({ level: levelFromFlags({ quiet: true }), stderr: q.stream });
  quiet.info('hidden');
  quiet.error('shown');
  assert.deepEqual(q.chunks.map((c) => c.slice(9)), ['error: shown\n']);
  const v = capture();
  createLogger({ level: 'debug', stderr: v.stream }).debug({ backend: 'wasm' }, 'chose');
  assert.equal(v.chunks[0].slice(9), 'debug: chose {"backend":"wasm"}\n');
});

test('formatHuman: an error carries its message', () => {
  const line = JSON.stringify({ level: 50, time: '2024-01-02T03:04:05.000Z', msg: 'failed', err: { message: 'boom' } });
  assert.match(formatHuman(line), /^\d\d:\d\d:\d\d error: failed \(boom\)\n$/);
});
