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

describe('html`` in URL attributes', () => {
  const BLANKED = 'about:invalid#weft';
  // Spellings from the OWASP filter-evasion list that a browser still reads as a script URL.
  const hostile = [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'JAVASCRIPT:alert(1)',
    '  javascript:alert(1)',
    '\x01javascript:alert(1)',
    '\x00javascript:alert(1)',
    '\x20\x0b\x0c\x1fjavascript:alert(1)',
    'java\tscript:alert(1)',
    'java\nscript:alert(1)',
    'java\rscript:alert(1)',
    'jav\tas\ncr\ript:alert(1)',
    'javascript\t:alert(1)',
    '\njavascript:alert(1)',
    'vbscript:msgbox(1)',
    'VBScript:msgbox(1)',
    'data:text/html,<script>alert(1)</script>',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'DATA:text/html,x',
    'data:,alert(1)',
    'data:image/svg+xml,<svg onload=alert(1)>',
    'data:image/svg+xml;base64,PHN2Zz4=',
    'data: image/svg+xml,<svg>',
    'da\tta:text/html,x',
  ];
  const harmless = [
    'data:image/png;base64,iVBORw0KGgo=',
    'data:image/jpeg;base64,/9j/4AAQ',
    'data:image/gif;base64,R0lGOD',
    'data:image/webp;base64,UklGR',
    'https://example.com/a?b=c#d',
    'http://example.com',
    '/path/to?x=javascript:alert(1)',
    'relative/page',
    '?q=1',
    '#frag',
    'mailto:ada@example.com',
    'tel:+441234',
    '',
  ];

  for (const url of hostile) {
    it(`neutralises ${JSON.stringify(url)} in double, single and unquoted values`, () => {
      assert.equal(html`<a href="${url}">x</a>`.value, `<a href="${BLANKED}">x</a>`);
      assert.equal(html`<a href='${url}'>x</a>`.value, `<a href='${BLANKED}'>x</a>`);
      assert.equal(html`<a href=${url}>x</a>`.value, `<a href=${BLANKED}>x</a>`);
    });
  }

  for (const url of harmless) {
    it(`keeps ${JSON.stringify(url)}`, () => {
      assert.equal(html`<a href="${url}">x</a>`.value, `<a href="${escapeHtml(url)}">x</a>`);
    });
  }

  it('leaves entities in a value as text: they are escaped, so they never spell a scheme', () => {
    assert.equal(html`<a href="${'&#106;avascript:alert(1)'}">x</a>`.value, '<a href="&amp;#106;avascript:alert(1)">x</a>');
    assert.equal(html`<a href="${'javascript&colon;alert(1)'}">x</a>`.value, '<a href="javascript&amp;colon;alert(1)">x</a>');
  });

  it('checks every URL attribute, whatever its case', () => {
    const bad = 'javascript:alert(1)';
    const out = html`<form action="${bad}"><button formaction="${bad}"></button></form><img src="${bad}"><video poster="${bad}"></video>
<blockquote cite="${bad}"></blockquote><svg><a xlink:href="${bad}"></a></svg><object data="${bad}" codebase="${bad}"></object>
<a ping="${bad}"></a><body background="${bad}"><iframe src="${bad}"></iframe><A HREF="${bad}"></A>
<div hx-get="${bad}" hx-post="${bad}" hx-put="${bad}" hx-patch="${bad}" hx-delete="${bad}" hx-push-url="${bad}" data-hx-get="${bad}"></div>`.value;
    assert.ok(!out.includes('javascript'), out);
    assert.equal(out.split(BLANKED).length - 1, 19);
  });

  it('does not treat data on elements other than <object>, or data-* attributes, as URLs', () => {
    assert.equal(html`<div data="${'javascript:x'}" data-href="${'javascript:x'}"></div>`.value, '<div data="javascript:x" data-href="javascript:x"></div>');
  });

  it('only checks a value that starts the URL, not one after a safe static prefix', () => {
    assert.equal(html`<a href="/x?y=${'javascript:alert(1)'}">x</a>`.value, '<a href="/x?y=javascript:alert(1)">x</a>');
    assert.equal(html`<a href="https://example.com/${'javascript:x'}">x</a>`.value, '<a href="https://example.com/javascript:x">x</a>');
    assert.equal(html`<a href="#${'javascript:x'}">x</a>`.value, '<a href="#javascript:x">x</a>');
    assert.equal(html`<a href="/u/${7}">x</a>`.value, '<a href="/u/7">x</a>');
  });

  it('reads the scheme across static text and several values', () => {
    assert.equal(html`<a href="j${'avascript:alert(1)'}">x</a>`.value, `<a href="${BLANKED}">x</a>`);
    assert.equal(html`<a href="${'java'}${'script:alert(1)'}">x</a>`.value, `<a href="${BLANKED}">x</a>`);
    assert.equal(html`<a href="${'javascript'}:alert(1)">x</a>`.value, `<a href="${BLANKED}:alert(1)">x</a>`);
    assert.equal(html`<a href="  ${'javascript:x'}">x</a>`.value, `<a href="${BLANKED}">x</a>`);
    assert.equal(html`<a href="${'/a'}${'javascript:x'}">x</a>`.value, '<a href="/ajavascript:x">x</a>');
    assert.equal(html`<a href="${'java'} ${'script:x'}">x</a>`.value, '<a href="java script:x">x</a>');
  });

  it('checks nested html`` (its values were escaped for text, not for URLs) but lets raw() through', () => {
    assert.equal(html`<a href="${html`javascript:${'alert(1)'}`}">x</a>`.value, `<a href="${BLANKED}">x</a>`);
    assert.equal(html`<a href="${raw('javascript:void(0)')}">x</a>`.value, '<a href="javascript:void(0)">x</a>');
    // A static javascript: URL with a plain value in it is still refused: the value would run.
    assert.equal(html`<a href="javascript:go(${'1);alert(2'})">x</a>`.value, `<a href="${BLANKED})">x</a>`);
  });

  it('checks each candidate of a srcset, and each URL of ping', () => {
    assert.equal(html`<img srcset="${'a.png 1x, javascript:x 2x'}">`.value, `<img srcset="${BLANKED}">`);
    assert.equal(html`<img srcset="${'a.png'} 1x, ${'data:image/svg+xml,<svg>'} 2x">`.value, `<img srcset="${BLANKED} 2x">`);
    assert.equal(html`<img srcset="${'a.png 1x, data:image/png;base64,AA 2x'}">`.value, '<img srcset="a.png 1x, data:image/png;base64,AA 2x">');
    assert.equal(html`<a ping="${'/a javascript:x'}">x</a>`.value, `<a ping="${BLANKED}">x</a>`);
    assert.equal(html`<a ping="${'/a https://b.example/p'}">x</a>`.value, '<a ping="/a https://b.example/p">x</a>');
  });

  it('escapes an unquoted value so it cannot add attributes, and quotes an empty one', () => {
    assert.equal(html`<a title=${'x onmouseover=alert(1)'}>x</a>`.value, '<a title=x&#32;onmouseover&#61;alert(1)>x</a>');
    assert.equal(html`<a title=${"a'b\"c`d\te\nf"}>x</a>`.value, '<a title=a&#39;b&#34;c&#96;d&#9;e&#10;f>x</a>');
    assert.equal(html`<input value=${''} disabled>`.value, '<input value="" disabled>');
    assert.equal(html`<input value=${null}>`.value, '<input value="">');
    assert.equal(html`<input value=x${''}>`.value, '<input value=x>');
  });

  it('blanks an htmx value that htmx would evaluate (js: / javascript:)', () => {
    assert.equal(html`<div hx-vals='${'js:{a: alert(1)}'}'></div>`.value, `<div hx-vals='{}'></div>`);
    assert.equal(html`<div hx-headers="${' javascript:x'}"></div>`.value, '<div hx-headers="{}"></div>');
    assert.equal(html`<div hx-vals='{"a": ${JSON.stringify('js:x')}}'></div>`.value, `<div hx-vals='{"a": &quot;js:x&quot;}'></div>`);
    assert.equal(html`<div hx-vals='${JSON.stringify({ a: 'js:x' })}'></div>`.value, `<div hx-vals='{&quot;a&quot;:&quot;js:x&quot;}'></div>`);
  });
});

describe('html`` where a value would run as code', () => {
  const handlers = ['onclick', 'onmouseover', 'ONLOAD', 'hx-on:click', 'hx-on::after-request', 'hx-on-click', 'hx-on--after-request', 'data-hx-on:click', 'hx-vars', 'srcdoc'];

  it('refuses a value in an event handler, naming the attribute', () => {
    assert.throws(() => html`<button onclick="${'alert(1)'}">x</button>`, /onclick/);
    assert.throws(() => html`<button onclick='go(${'1'})'>x</button>`, /only raw\(\)/);
    assert.throws(() => html`<button onclick=${'x'}>x</button>`, /onclick/);
    assert.throws(() => html`<button hx-on:click="${'x'}">x</button>`, /hx-on:click/);
    assert.throws(() => html`<button hx-on::after-request="${'x'}">x</button>`, /hx-on::after-request/);
    assert.throws(() => html`<button hx-on-click="${'x'}">x</button>`, /hx-on-click/);
    assert.throws(() => html`<button data-hx-on:click="${'x'}">x</button>`, /data-hx-on:click/);
    assert.throws(() => html`<div hx-vars="${'x'}"></div>`, /hx-vars/);
    assert.throws(() => html`<iframe srcdoc="${'<script>alert(1)</script>'}"></iframe>`, /srcdoc/);
    assert.throws(() => html`<body ONLOAD="${'x'}">`, /onload/);
    assert.equal(handlers.length, 10);
  });

  it('refuses numbers and nested html`` there too: only raw() vouches for code', () => {
    assert.throws(() => html`<button onclick="go(${1})">x</button>`, /onclick/);
    assert.throws(() => html`<button onclick="${html`go()`}">x</button>`, /onclick/);
  });

  it('accepts raw() and values that render as nothing', () => {
    assert.equal(html`<button onclick="${raw('save()')}">x</button>`.value, '<button onclick="save()">x</button>');
    assert.equal(html`<button hx-on:click="${raw('a()')}${null}${false}">x</button>`.value, '<button hx-on:click="a()">x</button>');
  });

  it('refuses a value inside <script> or <style>, but not in text after them', () => {
    assert.throws(() => html`<script>const user = ${'x'};</script>`, /<script>/);
    assert.throws(() => html`<SCRIPT type="module">${'x'}</SCRIPT>`, /<script>/);
    assert.throws(() => html`<style>p { color: ${'red'} }</style>`, /<style>/);
    assert.equal(html`<script>${raw('go()')}</script><p>${'<'}</p>`.value, '<script>go()</script><p>&lt;</p>');
    assert.equal(html`<script src="/a.js"></script>${'<b>'}`.value, '<script src="/a.js"></script>&lt;b&gt;');
    // "</script" inside a string in the script does not end it early for the reader either.
    assert.throws(() => html`<script>let a = '<p>'; ${'x'}</script>`, /<script>/);
  });

  it('escapes text in <textarea>, <title> and comments, where markup is not read', () => {
    assert.equal(html`<textarea>${'</textarea><script>'}</textarea>`.value, '<textarea>&lt;/textarea&gt;&lt;script&gt;</textarea>');
    assert.equal(html`<textarea><a href="${'javascript:x'}"></textarea>`.value, '<textarea><a href="javascript:x"></textarea>');
    assert.equal(html`<!-- ${'-->'} --><p>${'x'}</p>`.value, '<!-- --&gt; --><p>x</p>');
  });

  it('reads <title> inside <svg> as markup, as the browser does', () => {
    assert.equal(html`<svg><title><a href="${'javascript:x'}">x</a></title></svg>`.value, '<svg><title><a href="about:invalid#weft">x</a></title></svg>');
    assert.equal(html`<svg></svg><title>${'<a href="javascript:x">'}</title>`.value, '<svg></svg><title>&lt;a href=&quot;javascript:x&quot;&gt;</title>');
    assert.throws(() => html`<svg><script>${'x'}</script></svg>`, /<script>/);
  });

  it('refuses hx-trigger values with a [filter]', () => {
    assert.throws(() => html`<div hx-trigger="${'click[alert(1)]'}"></div>`, /hx-trigger/);
    assert.equal(html`<div hx-trigger="every ${5}s"></div>`.value, '<div hx-trigger="every 5s"></div>');
    assert.equal(html`<div hx-trigger="${raw('click[ctrlKey]')}"></div>`.value, '<div hx-trigger="click[ctrlKey]"></div>');
  });
});

describe('html`` in tag and attribute names', () => {
  it('accepts markup and bare attribute names where attributes go', () => {
    assert.equal(html`<input ${'checked'} ${false} ${attrs({ name: 'n' })}>`.value, '<input checked  name="n">');
    assert.equal(html`<p class="a"${raw(' id="b"')}>x</p>`.value, '<p class="a" id="b">x</p>');
  });

  it('renders an empty string there as nothing, like false (the `cond ? x : \'\'` idiom)', () => {
    const full = (n: number) => n >= 20;
    assert.equal(html`<button class="add" ${full(3) ? html`disabled` : ''}>Add</button>`.value, '<button class="add" >Add</button>');
    assert.equal(html`<button class="add" ${full(20) ? html`disabled` : ''}>Add</button>`.value, '<button class="add" disabled>Add</button>');
    assert.equal(html`<script defer src="/a.js"${''}></script>`.value, '<script defer src="/a.js"></script>');
  });

  it('refuses a string that is not one attribute name there', () => {
    assert.throws(() => html`<div ${'onclick=alert(1)'}>`, /not an attribute name/);
    assert.throws(() => html`<div ${'a b'}>`, /not an attribute name/);
  });

  it('checks a name built from a value, whole', () => {
    assert.equal(html`<div data-${'key'}="${'javascript:x'}"></div>`.value, '<div data-key="javascript:x"></div>');
    assert.throws(() => html`<div on${'click'}="x"></div>`, /"onclick" cannot come from a value/);
    assert.throws(() => html`<div ${'href'}="${'javascript:x'}"></div>`, /"href" cannot come from a value/);
    assert.throws(() => html`<div ${'on'}${'click'}="x"></div>`, /one value at most/);
    assert.throws(() => html`<div data-${'a b'}="x"></div>`, /not an attribute name/);
  });

  it('checks a tag name built from a value', () => {
    assert.equal(html`<h${2}>x</h${2}>`.value, '<h2>x</h2>');
    assert.throws(() => html`<${'script'}>x</script>`, /<script> tag name/);
    assert.throws(() => html`<${'sty'}le>x</style>`, /<style> tag name/);
    assert.throws(() => html`<${'img src=x onerror=alert(1)'}>`, /not a tag name/);
  });
});

describe('attrs() applies the same rules by name', () => {
  it('blanks unsafe URLs and keeps safe ones', () => {
    assert.equal(attrs({ href: 'JaVaScRiPt:alert(1)', src: '/ok.png', srcset: 'a.png 1x, javascript:x 2x', 'hx-get': ' vbscript:x', 'hx-vals': 'js:alert(1)' }).value,
      'href="about:invalid#weft" src="/ok.png" srcset="about:invalid#weft" hx-get="about:invalid#weft" hx-vals="{}"');
    assert.equal(attrs({ href: 'data:image/png;base64,AA', cite: 'https://x' }).value, 'href="data:image/png;base64,AA" cite="https://x"');
  });

  it('refuses event handlers unless raw(), naming the attribute', () => {
    assert.throws(() => attrs({ onclick: 'alert(1)' }), /onclick/);
    assert.throws(() => attrs({ 'hx-on:click': 'x' }), /hx-on:click/);
    assert.throws(() => attrs({ 'hx-on::before-request': 'x' }), /hx-on::before-request/);
    assert.throws(() => attrs({ 'hx-on-click': html`x` }), /hx-on-click/);
    assert.throws(() => attrs({ srcdoc: '<p>' }), /srcdoc/);
    assert.throws(() => attrs({ 'hx-trigger': 'click[alert(1)]' }), /hx-trigger/);
    assert.equal(attrs({ onclick: raw('go("x")'), 'hx-on:click': false }).value, 'onclick="go(&quot;x&quot;)"');
  });

  it('lets raw() keep a URL as written', () => {
    assert.equal(attrs({ href: raw('javascript:void(0)') }).value, 'href="javascript:void(0)"');
  });
});

describe('SafeHtml in a Hono layout', () => {
  it('goes into hono/html as it is, while plain strings are escaped there', async () => {
    const { html: honoHtml } = await import('hono/html');
    const weftOutput = html`<p class="x">${'<b>'}</p>`;
    const page = honoHtml`<main>${weftOutput}${'<i>'}</main>`;
    assert.equal(String(await page), '<main><p class="x">&lt;b&gt;</p>&lt;i&gt;</main>');
  });
});
