import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attrs, escapeHtml, html, raw, renderToString, SafeHtml } from './html.js';

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    assert.equal(escapeHtml(`&<>"'`), '&amp;&lt;&gt;&quot;&#39;');
  });

  it('keeps the safe runs around entities', () => {
    assert.equal(escapeHtml('a & b < c > d "e" \'f\' g'), 'a &amp; b &lt; c &gt; d &quot;e&quot; &#39;f&#39; g');
    assert.equal(escapeHtml('<<'), '&lt;&lt;');
    assert.equal(escapeHtml('x&'), 'x&amp;');
    assert.equal(escapeHtml('&x'), '&amp;x');
  });

  it('does not double-escape an existing entity', () => {
    assert.equal(escapeHtml('&amp;'), '&amp;amp;');
  });

  it('returns the same string when there is nothing to escape (fast path)', () => {
    const text = 'plain text with ünïcödé and 123';
    assert.equal(escapeHtml(text), text);
    assert.equal(escapeHtml(''), '');
  });

  it('handles a long string with one special character at the end', () => {
    const text = `${'a'.repeat(10_000)}<`;
    assert.equal(escapeHtml(text), `${'a'.repeat(10_000)}&lt;`);
  });
});

describe('html``', () => {
  it('returns SafeHtml', () => {
    const out = html`<p>hi</p>`;
    assert.ok(out instanceof SafeHtml);
    assert.equal(out.value, '<p>hi</p>');
    assert.equal(String(out), '<p>hi</p>');
  });

  it('escapes text interpolations', () => {
    const name = `<script>alert("x" & 'y')</script>`;
    assert.equal(
      html`<p>${name}</p>`.value,
      '<p>&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;</p>',
    );
  });

  it('escapes attribute interpolations so they cannot break out of quotes', () => {
    const cls = `" onclick="evil()`;
    const single = `' onclick='evil()`;
    assert.equal(html`<p class="${cls}">x</p>`.value, '<p class="&quot; onclick=&quot;evil()">x</p>');
    assert.equal(html`<p class='${single}'>x</p>`.value, "<p class='&#39; onclick=&#39;evil()'>x</p>");
  });

  it('renders numbers and bigints as their decimal text', () => {
    assert.equal(html`${42}|${-1.5}|${0}|${12345678901234567890n}`.value, '42|-1.5|0|12345678901234567890');
  });

  it('renders null, undefined, true and false as nothing', () => {
    assert.equal(html`[${null}][${undefined}][${true}][${false}]`.value, '[][][][]');
  });

  it('supports conditional fragments with &&', () => {
    const show = (on: boolean) => html`<div>${on && html`<a href="/admin">admin</a>`}</div>`.value;
    assert.equal(show(true), '<div><a href="/admin">admin</a></div>');
    assert.equal(show(false), '<div></div>');
  });

  it('renders arrays by concatenating their escaped items', () => {
    const items = ['a', '<b>', 'c&d'];
    assert.equal(html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`.value, '<ul><li>a</li><li>&lt;b&gt;</li><li>c&amp;d</li></ul>');
    assert.equal(html`${['<', 1, null, false, ['>', 2n]]}`.value, '&lt;1&gt;2');
    assert.equal(html`${[]}`.value, '');
  });

  it('does not re-escape nested templates', () => {
    const inner = html`<b>${'&'}</b>`;
    assert.equal(html`<p>${inner}</p>`.value, '<p><b>&amp;</b></p>');
    assert.equal(html`${html`${html`<i>${'<'}</i>`}`}`.value, '<i>&lt;</i>');
  });

  it('passes raw() through unescaped', () => {
    const trusted = raw('<em>"ok" & \'fine\'</em>');
    assert.ok(trusted instanceof SafeHtml);
    assert.equal(html`<p>${trusted}</p>`.value, '<p><em>"ok" & \'fine\'</em></p>');
  });

  it('escapes other objects through String()', () => {
    const obj = { toString: () => '<obj & "x">' };
    assert.equal(html`${obj}`.value, '&lt;obj &amp; &quot;x&quot;&gt;');
    assert.equal(html`${{}}`.value, '[object Object]');
    const date = new Date(0);
    assert.equal(html`${date}`.value, escapeHtml(String(date)));
  });

  it('keeps the literal parts as written', () => {
    assert.equal(html`a${'1'}b${'2'}c`.value, 'a1b2c');
    assert.equal(html``.value, '');
  });

  it('renderToString uses the same rules', () => {
    assert.equal(renderToString('<'), '&lt;');
    assert.equal(renderToString(raw('<')), '<');
    assert.equal(renderToString(null), '');
    assert.equal(renderToString([1, '&']), '1&amp;');
  });
});

describe('attrs()', () => {
  it('renders values escaped and double-quoted, separated by single spaces', () => {
    assert.equal(attrs({ class: 'buy', title: `a "quoted" <b> & 'x'` }).value, 'class="buy" title="a &quot;quoted&quot; &lt;b&gt; &amp; &#39;x&#39;"');
  });

  it('renders true as a bare attribute and omits false, null and undefined', () => {
    assert.equal(attrs({ disabled: true, hidden: false, checked: null, selected: undefined }).value, 'disabled');
  });

  it('stringifies numbers and zero/empty values', () => {
    assert.equal(attrs({ tabindex: 0, value: '', 'data-n': 1.5 }).value, 'tabindex="0" value="" data-n="1.5"');
  });

  it('returns SafeHtml usable inside html``', () => {
    const out = html`<button ${attrs({ disabled: true, class: 'x' })}>Buy</button>`;
    assert.equal(out.value, '<button disabled class="x">Buy</button>');
  });

  it('accepts names with dashes, colons, dots and @ (htmx, alpine)', () => {
    assert.equal(attrs({ 'hx-post': '/x', 'xlink:href': '#a', '@click': 'go', 'x-on:click.prevent': 'y', _u: 1 }).value,
      'hx-post="/x" xlink:href="#a" @click="go" x-on:click.prevent="y" _u="1"');
  });

  it('renders an empty map as nothing', () => {
    assert.equal(attrs({}).value, '');
  });

  for (const bad of ['', 'a b', 'a"b', 'a>b', "on'x", '1abc', '-x', 'a=b', 'a/b', '<x']) {
    it(`throws a TypeError on the invalid name ${JSON.stringify(bad)}`, () => {
      assert.throws(() => attrs({ [bad]: 'v' }), TypeError);
    });
  }

  it('checks names even when the value would be omitted', () => {
    assert.throws(() => attrs({ 'bad name': false }), /not a valid attribute name/);
  });
});
