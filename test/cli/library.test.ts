import { test } from 'node:test';
import assert from 'node:assert/strict';

test("the package's library entry exports what the commands use", async () => {
  const lib = await import('hyperloader');
  for (const name of ['loadConfig', 'train', 'evaluateCheckpoint', 'ablate', 'PeftModel', 'T5Model', 'T5Tokenizer', 'generateModules', 'scoreSentences', 'loadTaskSplits', 'TaskSampler', 'parameterTable', 'exportPeftAdapter']) {
    assert.equal(typeof (lib as Record<string, unknown>)[name], 'function', name);
  }
});
