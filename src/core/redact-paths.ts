/**
 * @module
 * Takes the machine's file paths out of an error before it goes to a browser. In
 * development Weft sends a thrown error's message and stack to the page, which
 * helps; the server's directory layout (the project's path, the user's home, where
 * Node is installed) is not the browser's business, even on a laptop. The full
 * stack still goes to the server's log.
 */
import { homedir } from 'node:os';
import { sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where the server runs from; paths under it are shown relative to it. */
export interface PathRoots {
  project: string;
  home: string;
}

export function defaultRoots(): PathRoots {
  let home = '';
  try {
    home = homedir();
  } catch {
    // No home directory (some containers): nothing to hide.
  }
  return { project: process.cwd(), home };
}

function replaceAll(text: string, find: string, by: string): string {
  return find.length > 1 ? text.split(find).join(by) : text;
}

/** A message with the project's directory made relative and the home directory shown as `~`. */
export function redactMessage(text: string, roots: PathRoots): string {
  let out = replaceAll(text, pathToFileURL(roots.project).href + '/', '');
  out = replaceAll(out, roots.project + sep, '');
  out = replaceAll(out, roots.project, '.');
  if (roots.home !== '' && roots.home !== sep) out = replaceAll(out, roots.home, '~');
  return out;
}

function isAbsolute(token: string): boolean {
  return token.startsWith('/') || token.startsWith('file://') || /^[A-Za-z]:[\\/]/.test(token);
}

/**
 * A stack with every file path shown relative to the project, or, for a file
 * outside it (Node's own, a global loader), as its last segment only:
 * `at run (/srv/app/src/x.ts:3:9)` becomes `at run (src/x.ts:3:9)`.
 */
export function redactStack(stack: string, roots: PathRoots): string {
  const projectUrl = pathToFileURL(roots.project).href + '/';
  const projectDir = roots.project + sep;
  // Split on the characters that surround a path in a stack frame; keep them.
  return stack
    .split(/([\s()'"])/)
    .map((token) => {
      if (!isAbsolute(token)) return token;
      if (token.startsWith(projectUrl)) return token.slice(projectUrl.length);
      if (token.startsWith(projectDir)) return token.slice(projectDir.length);
      const last = Math.max(token.lastIndexOf('/'), token.lastIndexOf('\\'));
      return `…/${token.slice(last + 1)}`;
    })
    .join('');
}
