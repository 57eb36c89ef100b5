import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ASSET_HASH_LENGTH, assetRefs, checkAssetSources, componentAssets, hashOf, isAssetHash } from './assets.js';
import { Component } from './component.js';
import { html } from './html.js';
import { Registry } from './registry.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-assets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): URL {
  const path = join(dir, name);
  writeFileSync(path, text);
  return pathToFileURL(path);
}

abstract class Bare extends Component<Record<string, never>> {
  mount() {
    return {};
  }
  override render() {
    return html`<p>x</p>`;
  }
}

describe('static css and static js', () => {
  it('are hashed from their content: base64url SHA-256, 16 characters', () => {
    class Inline extends Bare {
      static override css = '.a { color: red }';
      static override js = 'console.log(1)';
    }
    const [css, js] = componentAssets(Inline, 'inline');
    assert.equal(css?.kind, 'css');
    assert.equal(css?.hash, createHash('sha256').update('.a { color: red }').digest('base64url').slice(0, 16));
    assert.equal(css?.body.toString(), '.a { color: red }');
    assert.equal(js?.kind, 'js');
    assert.equal(js?.hash.length, ASSET_HASH_LENGTH);
    assert.ok(isAssetHash(js?.hash));
    assert.deepEqual(
      assetRefs(Inline, 'inline').map((r) => r.file),
      [`inline.${css?.hash}.css`, `inline.${js?.hash}.js`],
    );
  });

  it('reads a file URL once, at first use: a later change to the file is not seen', () => {
    const url = file('once.css', '.once { color: blue }');
    class FromFile extends Bare {
      static override css = url;
    }
    const first = componentAssets(FromFile, 'from-file');
    writeFileSync(url, '.once { color: green }');
    assert.equal(componentAssets(FromFile, 'from-file'), first);
    assert.equal(first[0]?.body.toString(), '.once { color: blue }');
    // Another class naming the same file gets the same content too.
    class SameFile extends Bare {
      static override css = url;
    }
    assert.equal(componentAssets(SameFile, 'same-file')[0]?.hash, first[0]?.hash);
  });

  it('a subclass inherits its parent\'s assets, with the same hash', () => {
    class Parent extends Bare {
      static override css = '.p {}';
    }
    class Child extends Parent {}
    assert.equal(componentAssets(Child, 'child')[0]?.hash, componentAssets(Parent, 'parent')[0]?.hash);
  });

  it('empty content is no asset, and a class without either has none', () => {
    class Empty extends Bare {
      static override css = '';
      static override js = file('empty.js', '');
    }
    assert.deepEqual(componentAssets(Empty, 'empty'), []);
    class None extends Bare {}
    assert.deepEqual(assetRefs(None, 'none'), []);
  });

  it('a file that cannot be read fails with the component and the file named', () => {
    class Missing extends Bare {
      static override css = new URL('./no-such-file.css', pathToFileURL(join(dir, 'x.ts')));
    }
    assert.throws(() => componentAssets(Missing, 'missing'), /component "missing": static css file file:.*no-such-file\.css cannot be read: ENOENT/);
  });

  it('are checked at registration: text or a file URL only', () => {
    const registry = new Registry();
    class Remote extends Bare {
      static override css = new URL('https://cdn.example/x.css');
    }
    assert.throws(() => registry.register('remote', Remote), /component "remote": static css is https: URL; only file: URLs are served/);
    class Numeric extends Bare {
      static override js = 42 as unknown as string;
    }
    assert.throws(() => registry.register('numeric', Numeric), /static js must be source text or a file URL/);
    class Fine extends Bare {
      static override css = '.x {}';
      static override js = file('fine.js', '1');
    }
    assert.doesNotThrow(() => registry.register('fine', Fine));
    assert.doesNotThrow(() => checkAssetSources('plain', class {}));
  });

  it('isAssetHash accepts 16 base64url characters only', () => {
    assert.ok(isAssetHash('AbCdEfGh_-123456'));
    for (const bad of ['AbCdEfGh_-12345', 'AbCdEfGh_-1234567', 'AbCdEfGh_-12345=', 'AbCdEfGh_-12345"', 16, undefined]) {
      assert.equal(isAssetHash(bad), false, String(bad));
    }
    assert.equal(hashOf(Buffer.from('x')).length, 16);
  });
});
