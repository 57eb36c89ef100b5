/**
 * @module
 * The `html` tagged template. Every interpolated value is HTML-escaped unless it
 * is already {@link SafeHtml} (a nested `html` template or an explicit `raw()`),
 * so the safe thing is the default and the unsafe thing has a name you can grep for.
 */

/** A string that is known to be HTML. Only `html`, `raw` and Weft itself create one. */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

/** Anything an `html` template accepts in a `${}` slot. */
export type Interpolation =
  | SafeHtml
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | readonly Interpolation[];

const NEEDS_ESCAPE = /[&<>"']/;

/**
 * Escapes the five characters that matter in HTML text and quoted attribute values.
 * Quotes are escaped too, so a value is safe in `attr="…"` and `attr='…'` alike.
 */
export function escapeHtml(text: string): string {
  // Most values have nothing to escape: one regex test, no copy.
  const first = text.search(NEEDS_ESCAPE);
  if (first === -1) return text;
  // Copy runs of safe characters between entities; far cheaper than replace() with a callback.
  let out = '';
  let last = 0;
  for (let i = first; i < text.length; i++) {
    let entity: string;
    switch (text.charCodeAt(i)) {
      case 38: entity = '&amp;'; break;
      case 60: entity = '&lt;'; break;
      case 62: entity = '&gt;'; break;
      case 34: entity = '&quot;'; break;
      case 39: entity = '&#39;'; break;
      default: continue;
    }
    if (last !== i) out += text.slice(last, i);
    out += entity;
    last = i + 1;
  }
  return out + text.slice(last);
}

function stringify(value: unknown): string {
  if (value === null || value === undefined || typeof value === 'boolean') return '';
  if (typeof value === 'string') return escapeHtml(value);
  if (value instanceof SafeHtml) return value.value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) {
    let out = '';
    for (const item of value) out += stringify(item);
    return out;
  }
  // Anything else (a Date, an object with toString) is treated as untrusted text.
  return escapeHtml(String(value));
}

/**
 * Tagged template that builds {@link SafeHtml}.
 *
 * @example
 * html`<p class="${cls}">${user.name}</p>`   // name and cls are escaped
 * html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`
 * html`${isAdmin && html`<a href="/admin">admin</a>`}`  // false renders as nothing
 */
export function html(strings: TemplateStringsArray, ...values: readonly unknown[]): SafeHtml {
  let out = strings[0] as string;
  for (let i = 0; i < values.length; i++) {
    out += stringify(values[i]) + (strings[i + 1] as string);
  }
  return new SafeHtml(out);
}

/** Marks trusted HTML so `html` will not escape it. Never pass user input here. */
export function raw(trusted: string): SafeHtml {
  return new SafeHtml(trusted);
}

/** Renders any interpolation to a string with the same escaping rules as `html`. */
export function renderToString(value: unknown): string {
  return stringify(value);
}

/**
 * Renders an attribute map. `true` gives a bare attribute, `false`/`null`/`undefined`
 * omit it, everything else is escaped and double-quoted. Names are checked, since an
 * attribute *name* cannot be escaped.
 *
 * @example html`<button ${attrs({ disabled: !state.size, class: 'buy' })}>Buy</button>`
 */
export function attrs(map: Record<string, unknown>): SafeHtml {
  const out: string[] = [];
  for (const [name, value] of Object.entries(map)) {
    if (!/^[A-Za-z_:@][A-Za-z0-9_.:@-]*$/.test(name)) {
      throw new TypeError(`attrs(): ${JSON.stringify(name)} is not a valid attribute name`);
    }
    if (value === false || value === null || value === undefined) continue;
    out.push(value === true ? name : `${name}="${escapeHtml(String(value))}"`);
  }
  // Space-separated with none around, like on() and bind(): the template writes `<tag ${…}>`.
  return new SafeHtml(out.join(' '));
}
