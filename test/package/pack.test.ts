/**
 * What `npm install weft` gives a user: the files `npm pack` would publish.
 * The docs and examples the README links to must be in it, tests must not, the
 * published type declarations must make sense to someone who only has the
 * package, and installing it must run no script of ours.
 *
 * Needs a built dist/ (`npm test` builds first; alone: `npm run build`).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

let files: string[] = [];

before(() => {
  // --ignore-scripts: list what would be packed without building again.
  const out = execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [pack] = JSON.parse(out) as [{ files: { path: string }[] }];
  files = pack.files.map((f) => f.path).sort();
  assert.ok(files.includes('dist/index.d.ts'), 'dist/ is not built: run `npm run build` first');
});

/** Relative links (`[text](path)`) in a Markdown file, resolved from the package root. */
function relativeLinks(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => (m[1] as string).split('#')[0] as string)
    .filter((target) => target !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(target))
    .map((target) => normalize(join(dirname(file), target)).replace(/\\/g, '/').replace(/\/$/, ''));
}

describe('the npm package', () => {
  it('ships the README, the docs, the examples and the built code, but no tests', () => {
    for (const file of ['README.md', 'package.json', 'docs/getting-started.md', 'docs/protocol.md', 'dist/index.js', 'dist/client/weft.min.js', 'examples/tutorial/server.ts']) {
      assert.ok(files.includes(file), `${file} is not in the package`);
    }
    assert.deepEqual(files.filter((f) => /\.test\.[cm]?[jt]s$/.test(f)), [], 'test files are in the package');
    assert.deepEqual(files.filter((f) => f.startsWith('examples/data/')), [], 'example databases are in the package');
  });

  it('has every file the README and the docs link to', () => {
    for (const doc of files.filter((f) => f.endsWith('.md'))) {
      for (const target of relativeLinks(doc)) {
        const found = files.some((f) => f === target || f.startsWith(`${target}/`));
        assert.ok(found, `${doc} links to ${target}, which is not in the package`);
      }
    }
  });

  it('publishes type declarations written for a user of the package', () => {
    const declarations = files.filter((f) => f.endsWith('.d.ts'));
    assert.ok(declarations.length > 10);
    for (const file of declarations) {
      const lines = readFileSync(join(root, file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        const where = `${file}:${i + 1}: ${line.trim()}`;
        assert.doesNotMatch(line, /\bseed\b/i, where);
        // A protocol rule number means something only next to the document that defines it.
        if (/\bP\d+\.\d+\b/.test(line)) assert.match(line, /docs\/protocol\.md/, where);
      });
    }
  });

  it('runs no script when installed, and builds when packed', () => {
    const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) assert.equal(scripts[hook], undefined, `package.json has a ${hook} script`);
    assert.match(scripts.prepack ?? '', /\bbuild\b/);
  });
});
