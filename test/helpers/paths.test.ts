import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureDirsFromEnv } from './paths.js';

test('fixture variables: unset → the bundled fixtures; set to nothing or to a missing folder → an error, never zero tests', () => {
  const v = 'HYPERLOADER_TEST_FIXTURE_PROBE';
  delete process.env[v];
  assert.deepEqual(fixtureDirsFromEnv(v, ['/a']), ['/a']);
  for (const empty of ['', ',', ' , ']) {
    process.env[v] = empty;
    assert.throws(() => fixtureDirsFromEnv(v, ['/a']), /is set but names no fixture directory/);
  }
  process.env[v] = '/no/such/fixture';
  assert.throws(() => fixtureDirsFromEnv(v, ['/a']), /no such fixture directory: \/no\/such\/fixture/);
  process.env[v] = `${process.cwd()}, ${process.cwd()}`;
  assert.deepEqual(fixtureDirsFromEnv(v, []), [process.cwd(), process.cwd()]);
  delete process.env[v];
});
