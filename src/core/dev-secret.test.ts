import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { devSecret } from './dev-secret.js';

const root = mkdtempSync(join(tmpdir(), 'weft-dev-secret-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('devSecret', () => {
  it('generates a secret on first use and returns the same one afterwards', () => {
    const dir = mkdtempSync(join(root, 'a-'));
    const first = devSecret(dir);
    assert.equal(first.created, true);
    assert.equal(first.path, join(dir, '.weft', 'secret'));
    assert.match(first.secret, /^[A-Za-z0-9_-]{43}$/);
    const again = devSecret(dir);
    assert.deepEqual(again, { ...first, created: false });
    // No temporary files are left behind.
    assert.deepEqual(readdirSync(join(dir, '.weft')).sort(), ['.gitignore', 'secret']);
  });

  it('keeps one secret per directory', () => {
    const a = devSecret(mkdtempSync(join(root, 'b-')));
    const b = devSecret(mkdtempSync(join(root, 'c-')));
    assert.notEqual(a.secret, b.secret);
  });

  it('throws when the directory cannot hold the file', () => {
    const dir = mkdtempSync(join(root, 'd-'));
    assert.throws(() => devSecret(join(dir, 'missing', 'deeper', '\0bad')));
    assert.equal(existsSync(join(dir, '.weft')), false);
  });
});
