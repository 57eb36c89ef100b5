import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assetsMarker, assetTags, fragmentWithAssets, placePageAssets } from './asset-tags.js';
import type { AssetRef } from './assets.js';

const CSS: AssetRef = { kind: 'css', hash: 'AAAAAAAAAAAAAAAA', file: 'card.AAAAAAAAAAAAAAAA.css' };
const JS: AssetRef = { kind: 'js', hash: 'BBBBBBBBBBBBBBBB', file: 'card.BBBBBBBBBBBBBBBB.js' };
const OTHER: AssetRef = { kind: 'css', hash: 'CCCCCCCCCCCCCCCC', file: 'menu.CCCCCCCCCCCCCCCC.css' };

describe('assetTags', () => {
  it('links each CSS, then each JS, once, marked with its hash', () => {
    assert.equal(
      assetTags([JS, CSS, JS, CSS, OTHER]).value,
      '<link rel="stylesheet" href="/weft/c/card.AAAAAAAAAAAAAAAA.css" data-weft-asset="AAAAAAAAAAAAAAAA">\n' +
        '<link rel="stylesheet" href="/weft/c/menu.CCCCCCCCCCCCCCCC.css" data-weft-asset="CCCCCCCCCCCCCCCC">\n' +
        '<script defer src="/weft/c/card.BBBBBBBBBBBBBBBB.js" data-weft-asset="BBBBBBBBBBBBBBBB"></script>\n',
    );
  });

  it('uses the assets path and puts the nonce (escaped) on every tag', () => {
    const out = assetTags([CSS, JS], { assetsPath: '/static', nonce: 'a"b' }).value;
    assert.match(out, /href="\/static\/c\/card\.AAAAAAAAAAAAAAAA\.css" data-weft-asset="AAAAAAAAAAAAAAAA" nonce="a&quot;b">/);
    assert.match(out, /src="\/static\/c\/card\.BBBBBBBBBBBBBBBB\.js" data-weft-asset="BBBBBBBBBBBBBBBB" nonce="a&quot;b"><\/script>/);
  });

  it('writes nothing for no assets', () => {
    assert.equal(assetTags([]).value, '');
    assert.equal(assetTags(undefined).value, '');
  });
});

describe('placePageAssets', () => {
  const doc = (marker: string) => `<head>\n<script defer src="/weft/weft.min.js"></script>\n${marker}<link rel="stylesheet" href="/app.css">\n</head><body>x</body>`;

  it('replaces page()\'s marker with the tags, with the nonce it carries', () => {
    const out = placePageAssets(doc(assetsMarker('r4nd0m+/=').value), [CSS, JS], '/weft');
    assert.ok(!out.includes('weft-assets'), out);
    assert.match(out, /<\/script>\n<link rel="stylesheet" href="\/weft\/c\/card\.AAAAAAAAAAAAAAAA\.css" data-weft-asset="AAAAAAAAAAAAAAAA" nonce="r4nd0m\+\/=">\n<script defer src="\/weft\/c\/card\.BBBBBBBBBBBBBBBB\.js" data-weft-asset="BBBBBBBBBBBBBBBB" nonce="r4nd0m\+\/="><\/script>\n<link rel="stylesheet" href="\/app\.css">/);
  });

  it('removes the marker when the render used no assets', () => {
    assert.equal(placePageAssets(doc(assetsMarker(undefined).value), [], '/weft'), doc(''));
  });

  it('replaces only the first marker, and copies no nonce that page() could not have written', () => {
    const forged = placePageAssets(`${assetsMarker('x" onload="alert(1)').value}<!--weft-assets:a" b-->`, [JS], '/weft');
    assert.ok(!forged.includes('onload'), forged);
    assert.match(forged, /^<script defer src="[^"]+" data-weft-asset="BBBBBBBBBBBBBBBB"><\/script>\n<!--weft-assets:a" b-->$/);
  });

  it('leaves HTML without a marker as it is', () => {
    assert.equal(placePageAssets('<p>fragment</p>', [CSS], '/weft'), '<p>fragment</p>');
    assert.equal(placePageAssets('<!--weft-assets never closed', [CSS], '/weft'), '<!--weft-assets never closed');
  });
});

describe('fragmentWithAssets', () => {
  it('appends the tags of the assets the page does not list', () => {
    const out = fragmentWithAssets('<div id="a">x</div>', [CSS, JS, OTHER], new Set([CSS.hash, 'ZZZZZZZZZZZZZZZZ']), '/weft');
    assert.ok(out.startsWith('<div id="a">x</div><link'), out);
    assert.ok(!out.includes(CSS.hash), 'an asset the page has came again');
    assert.ok(out.includes(`data-weft-asset="${JS.hash}"`) && out.includes(`data-weft-asset="${OTHER.hash}"`));
  });

  it('appends nothing when the page has them all, or the render used none', () => {
    assert.equal(fragmentWithAssets('<p>x</p>', [CSS], new Set([CSS.hash]), '/weft'), '<p>x</p>');
    assert.equal(fragmentWithAssets('<p>x</p>', [], new Set(), '/weft'), '<p>x</p>');
    assert.equal(fragmentWithAssets('<p>x</p>', undefined, new Set(), '/weft'), '<p>x</p>');
  });
});
