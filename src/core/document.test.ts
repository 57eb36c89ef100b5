import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { page, scripts } from './document.js';
import { html, raw, SafeHtml } from './html.js';

function indexOf(text: string, part: string): number {
  const i = text.indexOf(part);
  assert.notEqual(i, -1, `missing ${part}`);
  return i;
}

/** The JSON htmx reads from `<meta name="htmx-config">`, as a browser would decode the attribute. */
function htmxConfigOf(text: string): Record<string, unknown> {
  const content = /<meta name="htmx-config" content="([^"]*)">/.exec(text)?.[1];
  assert.ok(content !== undefined, `no htmx-config meta in ${text}`);
  const decoded = content
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
  return JSON.parse(decoded) as Record<string, unknown>;
}

describe('scripts', () => {
  it('defaults to /weft: the htmx config meta, then the four scripts in load order, deferred', () => {
    const out = scripts();
    assert.ok(out instanceof SafeHtml);
    assert.equal(
      out.value,
      '<meta name="htmx-config" content="{&quot;includeIndicatorStyles&quot;:false}">\n' +
        '<script defer src="/weft/htmx.min.js"></script>\n' +
        '<script defer src="/weft/idiomorph.min.js"></script>\n' +
        '<script defer src="/weft/weft.min.js"></script>\n' +
        '<script defer src="/weft/weft-live.min.js"></script>',
    );
  });

  it('turns htmx\'s inline indicator <style> off, which a strict style-src would refuse', () => {
    assert.deepEqual(htmxConfigOf(scripts().value), { includeIndicatorStyles: false });
    assert.ok(!scripts().value.includes('<style'));
  });

  it('merges the app\'s htmx settings into the one meta htmx reads', () => {
    const out = scripts({ htmxConfig: { defaultSwapStyle: 'outerHTML', includeIndicatorStyles: true, note: '"><script>' } }).value;
    assert.equal(out.match(/htmx-config/g)?.length, 1);
    assert.deepEqual(htmxConfigOf(out), { includeIndicatorStyles: true, defaultSwapStyle: 'outerHTML', note: '"><script>' });
    assert.ok(!out.includes('"><script>'), out);
  });

  it('puts a CSP nonce on every script tag, escaped', () => {
    const out = scripts({ nonce: 'r4nd0m+/=' }).value;
    assert.equal(out.match(/<script defer src="[^"]+" nonce="r4nd0m\+\/="><\/script>/g)?.length, 4, out);
    assert.match(scripts({ nonce: 'a"b' }).value, /nonce="a&quot;b"/);
    assert.ok(!scripts().value.includes('nonce'));
  });

  it('uses the given assets path, escaped', () => {
    assert.match(scripts('/static').value, /src="\/static\/htmx\.min\.js"/);
    assert.match(scripts({ assetsPath: '/static' }).value, /src="\/static\/weft\.min\.js"/);
    const out = scripts('/a"><script>x</script>').value;
    assert.ok(!out.includes('"><script>x'), out);
    assert.match(out, /src="\/a&quot;&gt;&lt;script&gt;x&lt;\/script&gt;\/htmx\.min\.js"/);
  });
});

describe('page', () => {
  it('builds a full document: doctype, escaped title, scripts, head and body', () => {
    const out = page({
      title: 'Tom & <Jerry> "quoted"',
      head: raw('<style>p { color: red }</style>'),
      body: html`<main>${'<b>'}</main>`,
      assetsPath: '/assets',
    });
    assert.ok(out instanceof SafeHtml);
    const text = out.value;
    assert.ok(text.startsWith('<!doctype html>\n<html lang="en">'), text.slice(0, 40));
    assert.match(text, /<meta charset="utf-8">/);
    assert.match(text, /<title>Tom &amp; &lt;Jerry&gt; &quot;quoted&quot;<\/title>/);

    const htmx = indexOf(text, '<script defer src="/assets/htmx.min.js"></script>');
    const idiomorph = indexOf(text, '<script defer src="/assets/idiomorph.min.js"></script>');
    const client = indexOf(text, '<script defer src="/assets/weft.min.js"></script>');
    assert.ok(htmx < idiomorph && idiomorph < client, 'scripts out of order');

    const headEnd = indexOf(text, '</head>');
    const style = indexOf(text, '<style>p { color: red }</style>');
    assert.ok(client < style && style < headEnd, 'head markup not inside <head> after the scripts');

    const bodyStart = indexOf(text, '<body>');
    const main = indexOf(text, '<main>&lt;b&gt;</main>');
    assert.ok(headEnd < bodyStart && bodyStart < main && main < indexOf(text, '</body>'));
    assert.ok(text.trimEnd().endsWith('</html>'));
  });

  it('defaults the assets path to /weft and leaves out a missing head', () => {
    const text = page({ title: 't', body: html`<p>x</p>` }).value;
    assert.match(text, /src="\/weft\/htmx\.min\.js"/);
    assert.ok(!text.includes('undefined'), text);
    assert.match(text, /<\/script>\n<!--weft-assets-->\n<\/head>/);
  });

  it('marks where the component assets go: after the scripts, before the head markup, with the nonce', () => {
    const text = page({ title: 't', body: html``, head: raw('<link rel="stylesheet" href="/app.css">') }).value;
    const marker = indexOf(text, '<!--weft-assets-->');
    assert.ok(indexOf(text, '<script defer src="/weft/weft-live.min.js"></script>') < marker);
    assert.ok(marker < indexOf(text, '<link rel="stylesheet" href="/app.css">'), 'the page\'s own stylesheet must come after the components\'');
    assert.match(page({ title: 't', body: html``, nonce: 'n0nce' }).value, /<!--weft-assets:n0nce-->/);
    // Escaped, so a nonce cannot end the comment.
    assert.match(page({ title: 't', body: html``, nonce: '--><b>' }).value, /<!--weft-assets:--&gt;&lt;b&gt;-->/);
  });

  it('passes the nonce and htmx settings on to the scripts', () => {
    const text = page({ title: 't', body: html``, nonce: 'n0nce', htmxConfig: { timeout: 5000 } }).value;
    assert.equal(text.match(/nonce="n0nce"/g)?.length, 4);
    assert.deepEqual(htmxConfigOf(text), { includeIndicatorStyles: false, timeout: 5000 });
  });

  it('links an icon served under the assets path, before the head markup, so browsers ask for no /favicon.ico', () => {
    const text = page({ title: 't', body: html``, head: raw('<link rel="icon" href="/mine.png">') }).value;
    const weftIcon = indexOf(text, '<link rel="icon" href="/weft/favicon.svg" type="image/svg+xml">');
    assert.ok(weftIcon < indexOf(text, '<link rel="icon" href="/mine.png">'), 'the page\'s own icon must come last');
    assert.match(page({ title: 't', body: html``, assetsPath: '/static' }).value, /<link rel="icon" href="\/static\/favicon\.svg"/);
  });

  it('sets and escapes lang', () => {
    assert.match(page({ title: 't', body: html``, lang: 'fr' }).value, /<html lang="fr">/);
    assert.match(page({ title: 't', body: html``, lang: 'x"y' }).value, /<html lang="x&quot;y">/);
  });

  it('escapes a plain string passed where SafeHtml is expected', () => {
    const body = '<script>alert(1)</script>' as unknown as SafeHtml;
    const text = page({ title: 't', body }).value;
    assert.ok(!text.includes('<script>alert'), text);
    assert.match(text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });
});
