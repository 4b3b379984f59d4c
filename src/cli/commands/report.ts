/** `hyperloader report`: a self-contained HTML report (charts as inline SVG, no script) of a run or an ablation. */
import type { Argv, CommandModule } from 'yargs';
import type { GlobalArgs } from '../common.js';
import { HyperloaderError } from '../../errors.js';
import { refreshReport, writeAblationReports, writeRunReport } from '../../report/index.js';

export interface Args extends GlobalArgs {
  run?: string;
  ablation?: string;
}

export const command: CommandModule<object, Args> = {
  command: 'report',
  describe: 'Write report.html for a run (curves, dev F1, F1 tables, confusions, worst sentences) or an ablation (comparison and charts)',
  builder: (y) =>
    y
      .option('run', { type: 'string', describe: 'run directory: writes <run>/report.html' })
      .option('ablation', { type: 'string', describe: 'ablation directory (with comparison.csv): writes <dir>/report.html and each run\'s report' })
      .example('$0 report --run runs/quickstart', 'runs/quickstart/report.html')
      .example('$0 report --ablation runs/qs-ablation', 'runs/qs-ablation/report.html, and each variant\'s own report') as unknown as Argv<Args>,
  handler: async (args) => {
    if ((args.run === undefined) === (args.ablation === undefined)) {
      throw new HyperloaderError('pass exactly one of --run DIR or --ablation DIR', { exitCode: 2 });
    }
    if (args.run !== undefined) {
      process.stdout.write(`${await writeRunReport(args.run)}\n`);
      return;
    }
    const { file, failed } = await writeAblationReports(args.ablation!);
    for (const f of failed) process.stderr.write(`hyperloader: warning: the report of ${f.run} was not written: ${f.error}\n`);
    process.stdout.write(`${file}\n`);
  },
};

/** `--no-report` (yargs' negation of `--report`, on by default) for the commands that refresh a report when they finish. */
export function withReportOption<T>(y: Argv<T>) {
  return y.option('report', { type: 'boolean', default: true, describe: 'write or refresh report.html at the end (--no-report skips it)' });
}

/** Refreshes the report after a command's results are written; a failure is a warning on stderr, never an error. */
export async function reportAfter(kind: 'run' | 'ablation', dir: string, enabled: boolean | undefined): Promise<void> {
  if (enabled === false) return;
  const file = await refreshReport(kind, dir, (m) => process.stderr.write(`hyperloader: warning: ${m}\n`));
  if (file) process.stdout.write(`  report: ${file}\n`);
}
