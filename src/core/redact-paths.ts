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

/**
 * An absolute path (`/…`, `file://…`, `C:\…` or `C:/…`) that starts a token: at the
 * start or after white space, a parenthesis or a quote, the characters that
 * surround a path in a stack frame. It runs to the token's end. A thrown message
 * may quote request text, so this reads it in one pass: the lookbehind looks at
 * one character, and the path's rest is taken whole, never given back.
 */
const ABSOLUTE_PATH = /(?<![^\s()'"])(?:\/|file:\/\/|[A-Za-z]:[\\/])[^\s()'"]*/g;

/**
 * A stack with every file path shown relative to the project, or, for a file
 * outside it (Node's own, a global loader), as its last segment only:
 * `at run (/srv/app/src/x.ts:3:9)` becomes `at run (src/x.ts:3:9)`.
 */
export function redactStack(stack: string, roots: PathRoots): string {
  const projectUrl = pathToFileURL(roots.project).href + '/';
  const projectDir = roots.project + sep;
  // Only the paths are touched: text between them is copied as it is.
  return stack.replace(ABSOLUTE_PATH, (token) => {
    if (token.startsWith(projectUrl)) return token.slice(projectUrl.length);
    if (token.startsWith(projectDir)) return token.slice(projectDir.length);
    const last = Math.max(token.lastIndexOf('/'), token.lastIndexOf('\\'));
    return `…/${token.slice(last + 1)}`;
  });
}

/**
 * An error's message and stack as a browser may see them in development. The
 * stack starts with the error's own text (`Error: <message>`), and a message may
 * quote request text of any length, full of slashes: that part is treated like
 * the message, and only the frames after it are searched for paths.
 */
export function redactError(error: Error, roots: PathRoots): { message: string; stack: string | undefined } {
  const message = redactMessage(error.message, roots);
  const { stack } = error;
  if (stack === undefined) return { message, stack: undefined };
  let head = 0;
  try {
    const text = `${String(error.name)}: ${error.message}`;
    if (stack.startsWith(text)) head = text.length;
  } catch {
    // A name whose String() throws: search the whole stack.
  }
  return { message, stack: redactMessage(stack.slice(0, head), roots) + redactStack(redactMessage(stack.slice(head), roots), roots) };
}
