/** `hyperloader doctor`: what this machine can run: Node, tfjs, each backend and why not, SIMD, GPU and CUDA libraries, cache. */
import type { Argv, CommandModule } from 'yargs';
import { backendReport, type BackendReport } from '../../runtime/report.js';
import { cudaReport, renderCuda, type CudaReport } from '../../runtime/cuda.js';
import { defaultCacheDir, hyperloaderHome, packageVersion } from '../../runtime/paths.js';
import { resolveCacheDir } from '../../config/paths.js';
import { loadConfigFromArgs, withConfigOption, type GlobalArgs } from '../common.js';

export interface Args extends GlobalArgs {
  config?: string;
  json?: boolean;
}

export const command: CommandModule<object, Args> = {
  command: 'doctor',
  describe: 'Check the runtime: Node, tfjs, backends, wasm SIMD, GPU, CUDA/cuDNN libraries, cache location',
  builder: (y) =>
    withConfigOption(y, false)
      .option('json', { type: 'boolean', describe: 'print the report as JSON' })
      .example('$0 doctor', 'which backends load here, and why the others do not')
      .example('$0 doctor --config configs/quickstart.yaml', "also show that config's cache directory") as unknown as Argv<Args>,
  handler: async (args) => {
    const cacheDir = args.config ? resolveCacheDir((await loadConfigFromArgs(args)).config) : defaultCacheDir();
    const report = await backendReport();
    const cuda = cudaReport();
    const auto = report.backends.find((b) => b.available)?.backend ?? 'none';
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ hyperloader: packageVersion(), ...report, auto, cuda, cacheDir }, null, 2)}\n`);
      return;
    }
    process.stdout.write(render(report, auto, cuda, cacheDir));
  },
};

function render(r: BackendReport, auto: string, cuda: CudaReport, cacheDir: string): string {
  const yes = (b: boolean) => (b ? 'yes' : 'no ');
  const home = process.env.HYPERLOADER_HOME ? `HYPERLOADER_HOME=${hyperloaderHome()}` : 'HYPERLOADER_HOME unset: the working directory';
  const lines = [
    `hyperloader ${packageVersion()}`,
    `node         ${r.node} (${process.platform} ${process.arch})`,
    `tfjs         ${r.tfjs}`,
    'backends (auto tries them in this order)',
    ...r.backends.map((b) => `  ${b.backend.padEnd(14)} ${yes(b.available)}  ${b.reason}`),
    `auto picks   ${auto}`,
    `wasm SIMD    ${r.wasmSimd ? 'yes' : 'no (the wasm backend falls back to its slower non-SIMD build)'}`,
    `GPU          ${r.gpu.found ? 'yes' : 'no'}: ${r.gpu.detail}`,
    ...renderCuda(cuda),
    `cache        ${cacheDir} (datasets and checkpoints; ${home})`,
  ];
  return `${lines.join('\n')}\n`;
}
