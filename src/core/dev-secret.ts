/**
 * @module
 * The development secret. Without `WEFT_SECRET`, a development server signs state
 * with a secret it generates once and keeps in `.weft/secret` under the working
 * directory, so a restarted server still accepts the pages open in the browser.
 * The `.weft/` directory ignores itself in git (it holds a `.gitignore` of `*`),
 * and the file is readable by its owner only. Production never uses it.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DevSecret {
  secret: string;
  /** Where the secret is kept. */
  path: string;
  /** Whether this call generated it (rather than reading an earlier one). */
  created: boolean;
}

/** The kept secret, trimmed; `undefined` when the file is missing, `''` when it is blank. */
function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function isCode(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}

/**
 * Returns the development secret kept in `<dir>/.weft/secret`, generating it on
 * first use. Throws when the file can neither be read nor written (a read-only
 * directory, say); the caller then falls back to a secret for this run only.
 */
export function devSecret(dir: string = process.cwd()): DevSecret {
  const folder = join(dir, '.weft');
  const path = join(folder, 'secret');
  const kept = read(path);
  if (kept) return { secret: kept, path, created: false };
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(join(folder, '.gitignore'), '# Local development files of Weft; never commit them.\n*\n', { flag: 'wx' });
  } catch (err) {
    if (!isCode(err, 'EEXIST')) throw err;
  }
  // Written whole to a private file, then linked into place: a second server
  // starting at the same moment either wins the link or reads the winner's secret,
  // and never reads a half-written file.
  const secret = randomBytes(32).toString('base64url');
  const temp = join(folder, `secret.${process.pid}.${randomBytes(6).toString('hex')}`);
  writeFileSync(temp, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  try {
    if (kept === '') renameSync(temp, path);
    else linkSync(temp, path);
  } catch (err) {
    if (!isCode(err, 'EEXIST')) {
      unlinkSync(temp);
      throw err;
    }
  }
  // After a rename the temporary name is gone already.
  if (kept !== '') unlinkSync(temp);
  const saved = read(path);
  if (!saved) throw new Error(`could not keep a secret in ${path}`);
  return { secret: saved, path, created: saved === secret };
}
