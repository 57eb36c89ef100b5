import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { getAsset, SCRIPT_FILES } from './assets.js';

const require = createRequire(import.meta.url);

describe('getAsset', () => {
  for (const file of ['htmx.min.js', 'idiomorph.min.js', 'weft.min.js']) {
    it(`serves ${file} with a quoted ETag of its bytes and a JavaScript content type`, () => {
      const asset = getAsset(file);
      assert.ok(asset, `${file} is unknown`);
      assert.ok(Buffer.isBuffer(asset.body));
      assert.ok(asset.body.length > 0);
      assert.match(asset.etag, /^"[A-Za-z0-9_-]{16}"$/);
      const digest = createHash('sha256').update(asset.body).digest('base64url').slice(0, 16);
      assert.equal(asset.etag, `"${digest}"`);
      assert.equal(asset.type, 'text/javascript; charset=utf-8');
    });

    it(`reads ${file} once and returns the same object afterwards`, () => {
      const first = getAsset(file);
      assert.ok(first);
      assert.equal(getAsset(file), first);
    });
  }

  it('serves a small SVG icon for pages, so browsers do not log a 404 for the favicon', () => {
    const asset = getAsset('favicon.svg');
    assert.ok(asset);
    assert.equal(asset.type, 'image/svg+xml');
    assert.match(asset.body.toString('utf8'), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>.*<\/svg>$/);
    assert.doesNotMatch(asset.body.toString('utf8'), /<script|on\w+=/i);
    assert.match(asset.etag, /^"[A-Za-z0-9_-]{16}"$/);
    assert.equal(getAsset('favicon.svg'), asset);
  });

  it('serves htmx and idiomorph from their packages', () => {
    assert.deepEqual(getAsset('htmx.min.js')?.body, readFileSync(require.resolve('htmx.org/dist/htmx.min.js')));
    assert.deepEqual(getAsset('idiomorph.min.js')?.body, readFileSync(require.resolve('idiomorph/dist/idiomorph.min.js')));
  });

  it('gives each file its own ETag', () => {
    const etags = new Set(SCRIPT_FILES.map((file) => getAsset(file)?.etag));
    assert.equal(etags.size, SCRIPT_FILES.length);
  });

  it('returns undefined for unknown names and path tricks', () => {
    for (const name of [
      '../package.json',
      '../../package.json',
      './htmx.min.js',
      'dist/htmx.min.js',
      'htmx.min.js/',
      'HTMX.MIN.JS',
      'htmx.js',
      '',
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
    ]) {
      assert.equal(getAsset(name), undefined, JSON.stringify(name));
    }
  });
});

describe('SCRIPT_FILES', () => {
  it('lists htmx, idiomorph and Weft\'s client in load order', () => {
    assert.deepEqual([...SCRIPT_FILES], ['htmx.min.js', 'idiomorph.min.js', 'weft.min.js', 'weft-live.min.js']);
  });
});
