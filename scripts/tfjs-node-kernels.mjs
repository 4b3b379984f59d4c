#!/usr/bin/env node
// Writes src/runtime/tfjs-node-kernels.json: the kernels @tensorflow/tfjs-node-gpu registers for
// its `tensorflow` backend, read from the package itself (npm run kernels:update).
//
// The package is installed into a temporary folder with --ignore-scripts, so its install script
// (which downloads libtensorflow) does not run and no native binary is needed: the kernel configs
// in dist/kernels/ only name the kernel and hold a function that calls the binding when run.
// Requiring dist/register_all_kernels registers them all with that folder's own @tensorflow/tfjs,
// and tf.getKernelsForBackend('tensorflow') lists them.
//
//   node scripts/tfjs-node-kernels.mjs [--package @tensorflow/tfjs-node-gpu] [--version 4.22.0] [--keep]
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const pkg = opt('--package', '@tensorflow/tfjs-node-gpu');
const version = opt('--version', JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies['@tensorflow/tfjs']);
const out = join(root, 'src', 'runtime', 'tfjs-node-kernels.json');

const dir = mkdtempSync(join(tmpdir(), 'hl-tfjs-node-kernels-'));
try {
  const spec = `${pkg}@${version}`;
  process.stderr.write(`installing ${spec} (JavaScript only, --ignore-scripts) into ${dir}\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--ignore-scripts', '--no-save', '--no-audit', '--no-fund', '--prefix', dir, spec], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`npm install ${spec} failed (exit ${r.status ?? r.error?.message})`);

  // Resolve everything from the temporary folder, so the kernels register with its tfjs, not ours.
  const require = createRequire(join(dir, 'resolve-from-here.js'));
  const installed = require(`${pkg}/package.json`).version;
  if (installed !== version) throw new Error(`asked for ${spec}, npm installed ${installed}`);
  require(`${pkg}/dist/register_all_kernels`);
  const tf = require('@tensorflow/tfjs');
  const kernels = tf
    .getKernelsForBackend('tensorflow')
    .map((k) => k.kernelName)
    .sort();
  if (kernels.length < 100) throw new Error(`only ${kernels.length} kernels registered for 'tensorflow': did register_all_kernels change?`);
  const list = {
    package: pkg,
    version: installed,
    backend: 'tensorflow',
    generated: new Date().toISOString().slice(0, 10),
    how:
      `npm install --ignore-scripts ${spec} into a temporary folder; require('${pkg}/dist/register_all_kernels') ` +
      `(registers the kernel configs without loading the native binding); tf.getKernelsForBackend('tensorflow') with that folder's ` +
      `@tensorflow/tfjs ${tf.version.tfjs}. Regenerate: npm run kernels:update (scripts/tfjs-node-kernels.mjs).`,
    kernels,
  };
  writeFileSync(out, `${JSON.stringify(list, null, 2)}\n`);
  process.stderr.write(`${kernels.length} kernels → ${out}\n`);
} finally {
  if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  else process.stderr.write(`kept ${dir}\n`);
}
