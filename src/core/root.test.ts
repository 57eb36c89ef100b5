import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { wrapRoot } from './root.js';

describe('wrapRoot', () => {
  it('wraps the inner HTML in a root element carrying id, name, state and the htmx wiring', () => {
    assert.equal(
      wrapRoot('div', 'counter', 'counter-x1', 'v1.abc.def', '<p>1</p>'),
      '<div id="counter-x1" weft="counter" weft-state="v1.abc.def" hx-target="this" hx-swap="morph" hx-ext="weft"><p>1</p></div>',
    );
  });

  it('uses a custom tag name for both the opening and the closing tag', () => {
    const out = wrapRoot('tbody', 'rows', 'rows-1', 'b', '<tr><td>1</td></tr>');
    assert.ok(out.startsWith('<tbody id="rows-1" '), out);
    assert.ok(out.endsWith('><tr><td>1</td></tr></tbody>'), out);
  });

  it('escapes id, name and blob, but not the inner HTML', () => {
    const out = wrapRoot('li', 'a"b', 'x" onclick="evil()', `v1.<'&>`, '<b>ok</b>');
    assert.equal(
      out,
      '<li id="x&quot; onclick=&quot;evil()" weft="a&quot;b" weft-state="v1.&lt;&#39;&amp;&gt;"' +
        ' hx-target="this" hx-swap="morph" hx-ext="weft"><b>ok</b></li>',
    );
    assert.ok(!out.includes('" onclick="'));
  });
});
