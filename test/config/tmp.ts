/** Config files written into a fresh temporary directory (tests never write into the repository). */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function tempConfigDir(files: Record<string, string>): { dir: string; path: (name: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'hyperloader-config-'));
  for (const [name, text] of Object.entries(files)) {
    const p = join(dir, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return { dir, path: (name) => join(dir, name) };
}

/** The smallest valid config. */
export const MINIMAL = `model:
  random_init: {}
data:
  tasks:
    - name: atis
`;
