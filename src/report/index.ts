/**
 * The HTML reports: report.html in a run directory (run-report.ts) and in an ablation directory
 * (ablation-report.ts). `train`, `eval` and `ablate` refresh them when they finish; a report that
 * cannot be written is a warning, never a lost run (the results are written before it).
 */
import { join, resolve } from 'node:path';
import { writeRunReport } from './run-report.js';
import { ablationRunDirs, writeAblationReport } from './ablation-report.js';

export { writeRunReport, runReportHtml } from './run-report.js';
export { writeAblationReport, ablationReportHtml } from './ablation-report.js';

/** An ablation's report and each of its runs' reports; returns the ablation report's path and the runs' reports that failed. */
export async function writeAblationReports(dir: string): Promise<{ file: string; failed: { run: string; error: string }[] }> {
  const failed: { run: string; error: string }[] = [];
  for (const name of ablationRunDirs(dir)) {
    try {
      await writeRunReport(join(resolve(dir), name));
    } catch (e) {
      failed.push({ run: name, error: (e as Error).message });
    }
  }
  return { file: await writeAblationReport(dir), failed };
}

/**
 * Writes or refreshes a report and never throws: on failure `warn` gets one line naming the
 * directory, the error and how to retry. Returns the report's path, or null.
 */
export async function refreshReport(kind: 'run' | 'ablation', dir: string, warn: (message: string) => void): Promise<string | null> {
  try {
    if (kind === 'run') return await writeRunReport(dir);
    const { file, failed } = await writeAblationReports(dir);
    for (const f of failed) warn(`the report of ${f.run} was not written (${f.error}); the ablation report was`);
    return file;
  } catch (e) {
    warn(`report.html was not written for ${resolve(dir)} (${(e as Error).message}); the results are intact. Retry with \`hyperloader report --${kind} ${dir}\`.`);
    return null;
  }
}
