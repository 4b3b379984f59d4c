import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, progress } from '../../src/runtime/progress.js';

test('formatDuration', () => {
  assert.equal(formatDuration(45), '45s');
  assert.equal(formatDuration(258), '4m18s');
  assert.equal(formatDuration(7380), '2h03m');
  assert.equal(formatDuration(Number.NaN), '?');
});

test('off a TTY: a log line every 10 s with rate and ETA, and a final line', () => {
  const lines: { obj: Record<string, unknown>; msg?: string }[] = [];
  const logger = { info: (obj: object, msg?: string) => void lines.push({ obj: obj as Record<string, unknown>, msg }) };
  let now = 0;
  const p = progress({ total: 100, label: 'train', unit: 'steps', logger, tty: false, now: () => now });
  for (let i = 0; i < 100; i++) {
    now += 500; // 2 steps/s
    p.tick(1, { loss: 2 });
  }
  p.stop();
  p.stop(); // idempotent
  // Lines at 10, 20, 30, 40 s (20, 40, 60, 80 steps), none at 50 s (the end), then the final one.
  assert.equal(lines.length, 5);
  assert.equal(lines[0].msg, 'train: 20/100 steps (20%), 2.00 steps/s, ETA 40s, loss=2');
  assert.equal(lines[0].obj.eta_s, 40);
  assert.equal(lines[4].msg, 'train: 100/100 steps in 50s (2.00 steps/s), loss=2');
  assert.equal(lines[4].obj.final, true);
});

test('a resumed loop: rate and time left count only the steps of this process', () => {
  const lines: { obj: Record<string, unknown>; msg?: string }[] = [];
  const logger = { info: (obj: object, msg?: string) => void lines.push({ obj: obj as Record<string, unknown>, msg }) };
  let now = 0;
  // Resumed at step 900 of 1000, then 1 step/s: 100 s left at the start, 90 s left after 10 s.
  const p = progress({ total: 1000, label: 'train', unit: 'steps', logger, tty: false, now: () => now, initial: 900 });
  for (let i = 0; i < 100; i++) {
    now += 1000;
    p.tick(1);
  }
  p.stop();
  assert.equal(lines[0].msg, 'train: 910/1000 steps (91%), 1.00 steps/s, ETA 1m30s');
  assert.equal(lines.at(-1)!.msg, 'train: 1000/1000 steps in 1m40s (1.00 steps/s)');
});

test('on a TTY: a cli-progress bar is drawn on the stream', () => {
  const written: string[] = [];
  const stream = { isTTY: true, columns: 100, write: (s: string) => (written.push(s), true), on() {}, once() {}, removeListener() {} };
  const p = progress({ total: 10, label: 'eval', unit: 'batches', tty: true, stream: stream as unknown as NodeJS.WritableStream });
  for (let i = 0; i < 10; i++) p.tick();
  p.stop();
  const text = written.join('');
  assert.match(text, /eval \[.*\] 100% \| 10\/10 batches/);
});

test('with a logger at warn level (--quiet), nothing is drawn or logged', () => {
  const lines: unknown[] = [];
  const written: string[] = [];
  const logger = { info: (o: object) => void lines.push(o), isLevelEnabled: (l: string) => l !== 'info' };
  const stream = { isTTY: true, write: (s: string) => (written.push(s), true) };
  const p = progress({ total: 3, label: 'x', logger, stream: stream as unknown as NodeJS.WritableStream, intervalMs: 0 });
  p.tick();
  p.stop();
  assert.equal(written.length, 0);
});
