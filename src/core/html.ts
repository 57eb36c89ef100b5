/**
 * @module
 * The `html` tagged template. Every interpolated value is escaped for the place it
 * lands in (text, attribute, URL) unless it is already {@link SafeHtml} (a nested
 * `html` template or an explicit `raw()`); places where a value would run as code
 * take only `raw()`. The safe thing is the default and the unsafe thing has a name
 * you can grep for.
 */
import { analyse, AttrKind, attrKind, type Plan, type Slot, Where } from './html-context.js';
import { INVALID_URL, isScriptedHtmxValue, isUnsafeSrcset, isUnsafeUrl, isUnsafeUrlList } from './url-scheme.js';

/** A string that is known to be HTML. Only `html`, `raw` and Weft itself create one. */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
  /**
   * Marks the value as HTML that is already escaped for Hono's `html` tag and
   * JSX (they look for this flag), so Weft's output goes into a Hono layout as it
   * is, not escaped a second time.
   */
  get isEscaped(): true {
    return true;
  }
}

/**
 * What `raw()` returns: HTML (or a URL, or code) its author vouches for. Only this
 * kind of SafeHtml may go where a value runs as code; a nested `html` template may
 * not, since the values inside it were escaped for text, not for JavaScript.
 */
class RawHtml extends SafeHtml {}

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

/** The analysis of each template, by its strings array (one per call site, kept by the engine). */
const PLANS = new WeakMap<readonly string[], Plan>();
// The last template seen: a template in a loop (`items.map(…)`) skips even the WeakMap.
let lastStrings: readonly string[] | undefined;
let lastPlan: Plan | undefined;

const NEEDS_UNQUOTED_ESCAPE = /[&<>"'=`\t\n\f\r ]/;

/** Escapes for an unquoted attribute value, where a space, `=`, a quote or a backtick would end it. */
function escapeUnquoted(text: string): string {
  const first = text.search(NEEDS_UNQUOTED_ESCAPE);
  if (first === -1) return text;
  // Runs of safe characters are copied whole, as in escapeHtml.
  let out = '';
  let last = 0;
  for (let i = first; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let entity: string;
    switch (c) {
      case 38: entity = '&amp;'; break;
      case 60: entity = '&lt;'; break;
      case 62: entity = '&gt;'; break;
      case 34: case 39: case 61: case 96: case 9: case 10: case 12: case 13: case 32:
        entity = `&#${c};`;
        break;
      default: continue;
    }
    if (last !== i) out += text.slice(last, i);
    out += entity;
    last = i + 1;
  }
  return out + text.slice(last);
}

function stringifyUnquoted(value: unknown): string {
  if (value === null || value === undefined || typeof value === 'boolean') return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) {
    let out = '';
    for (const item of value) out += stringifyUnquoted(item);
    return out;
  }
  return escapeUnquoted(String(value));
}

/** A value as the text it stands for, before escaping (for checks: a URL's scheme, a name). */
function plainText(value: unknown): string {
  if (value === null || value === undefined || typeof value === 'boolean') return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) {
    let out = '';
    for (const item of value) out += plainText(item);
    return out;
  }
  return String(value);
}

/** `raw()` output, or a value that renders as nothing. */
function isTrusted(value: unknown): boolean {
  if (typeof value === 'string') return false;
  if (value === null || value === undefined || typeof value === 'boolean' || value instanceof RawHtml) return true;
  return Array.isArray(value) && value.every(isTrusted);
}

function isUnsafe(kind: AttrKind, text: string): boolean {
  switch (kind) {
    case AttrKind.Url: return isUnsafeUrl(text);
    case AttrKind.Srcset: return isUnsafeSrcset(text);
    case AttrKind.UrlList: return isUnsafeUrlList(text);
    case AttrKind.HtmxJson: return isScriptedHtmxValue(text);
    default: return false;
  }
}

function replacementFor(kind: AttrKind): string {
  return kind === AttrKind.HtmxJson ? '{}' : INVALID_URL;
}

/** A value where code runs: `raw()` or nothing, else a render error that says where. */
function codeOnly(value: unknown, where: string): string {
  if (isTrusted(value)) return stringify(value);
  throw new Error(
    `html: a value in ${where} would run as code; only raw() is accepted there (with code you wrote, never user input)`,
  );
}

function checkTrigger(value: unknown, attr: string): void {
  if (!isTrusted(value) && plainText(value).includes('[')) {
    throw new Error(`html: in ${attr}, "[…]" is a JavaScript filter; a value containing "[" needs raw()`);
  }
}

const ATTR_NAME = /^[A-Za-z_:@][A-Za-z0-9_.:@-]*$/;
const TAG_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;

/**
 * Where whole attributes go: markup (`this.on()`, `attrs()`), one bare attribute
 * name, or nothing (`false`, `null`, `undefined`, and `''` as in `${c ? x : ''}`).
 */
function attributeList(value: unknown): string {
  if (value === null || value === undefined || typeof value === 'boolean' || value === '') return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) {
    let out = '';
    for (const item of value) out += attributeList(item);
    return out;
  }
  const name = String(value);
  if (!ATTR_NAME.test(name)) {
    throw new Error(`html: ${JSON.stringify(name)} is not an attribute name; add attributes with values through attrs({ name: value })`);
  }
  return name;
}

/**
 * A value inside a tag or attribute name (`<h${level}>`, `data-${key}="…"`). The
 * whole name is checked, since a name cannot be escaped: a tag may not become
 * `script` or `style`, an attribute may not become one whose value is code or a URL
 * (the template's value for it was escaped as plain text).
 */
function namePart(value: unknown, slot: Slot): string {
  const text = plainText(value);
  if (text === '') return '';
  const tag = slot.where === Where.TagName;
  if (slot.shared) throw new Error(`html: one value at most per ${tag ? 'tag' : 'attribute'} name (near ${JSON.stringify(text)})`);
  const name = slot.attr + text + slot.suffix;
  const lower = name.toLowerCase();
  if (tag) {
    if (!TAG_NAME.test(name)) throw new Error(`html: ${JSON.stringify(name)} is not a tag name`);
    if (lower === 'script' || lower === 'style') throw new Error(`html: a <${lower}> tag name cannot come from a value; write it in the template`);
  } else {
    if (!ATTR_NAME.test(name)) throw new Error(`html: ${JSON.stringify(name)} is not an attribute name`);
    if (attrKind(lower) !== AttrKind.Plain) {
      throw new Error(`html: the attribute name ${JSON.stringify(name)} cannot come from a value (its value is a URL or code); write it in the template or use attrs()`);
    }
  }
  return text;
}

/**
 * Tagged template that builds {@link SafeHtml}.
 *
 * Each `${}` is escaped for where it stands, read from the template's own text:
 * - in text: HTML-escaped;
 * - in a quoted attribute value: escaped; unquoted: spaces, `=` and quotes escaped too;
 * - in a URL attribute (`href`, `src`, `action`, `formaction`, `srcset`, `hx-get`, …):
 *   a `javascript:`, `vbscript:` or non-image `data:` URL becomes `about:invalid#weft`;
 * - in an event handler (`onclick`, `hx-on:click`, …), `hx-vars`, `srcdoc`, or inside
 *   `<script>`/`<style>`: only `raw()` is accepted, anything else is a render error;
 * - where attributes go (`<button ${…}>`): markup such as `this.on()` or `attrs()`,
 *   or a single bare attribute name (`${checked && 'checked'}`).
 *
 * @example
 * html`<p class="${cls}">${user.name}</p>`   // name and cls are escaped
 * html`<a href="${user.site}">site</a>`      // a javascript: URL cannot get through
 * html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`
 * html`${isAdmin && html`<a href="/admin">admin</a>`}`  // false renders as nothing
 */
export function html(strings: TemplateStringsArray, ...values: readonly unknown[]): SafeHtml {
  let plan = strings === lastStrings ? lastPlan : PLANS.get(strings);
  if (plan === undefined) {
    plan = analyse(strings);
    PLANS.set(strings, plan);
  }
  lastStrings = strings;
  lastPlan = plan;
  if (!plan.allText) return new SafeHtml(renderSlots(strings, values, plan.slots));
  // Most templates only put values in text: the shortest path.
  let out = strings[0] as string;
  for (let i = 0; i < values.length; i++) {
    out += stringify(values[i]) + (strings[i + 1] as string);
  }
  return new SafeHtml(out);
}

function renderSlots(strings: readonly string[], values: readonly unknown[], slots: readonly Slot[]): string {
  let out = strings[0] as string;
  // The attribute value being written, for the checks that need all of it (a URL's
  // scheme may be split over the static text and several values: `${a}${b}:x`).
  let valueStart = 0;
  let valueText = '';
  let valueTrusted = true;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const slot = slots[i] as Slot;
    switch (slot.where) {
      case Where.Text:
        out += stringify(value);
        break;
      case Where.Attrs:
        out += attributeList(value);
        break;
      case Where.AttrName:
      case Where.TagName:
        out += namePart(value, slot);
        break;
      case Where.RawText:
        out += codeOnly(value, `<${slot.attr}>`);
        break;
      case Where.Value: {
        if (slot.plain) {
          out += stringify(value);
          break;
        }
        const { kind } = slot;
        if (kind === AttrKind.Code) {
          out += codeOnly(value, `the ${slot.attr} attribute`);
          break;
        }
        if (kind === AttrKind.Trigger) checkTrigger(value, slot.attr);
        // Unquoted values come here too: they need their own escaping, and a check when empty.
        const checked = !slot.settled && kind !== AttrKind.Plain && kind !== AttrKind.Trigger;
        if (checked && slot.quoted && slot.first && slot.last && typeof value === 'string') {
          // The usual case, `href="${url}"`: one string, checked with its static text.
          out = isUnsafe(kind, slot.prefix + value + slot.suffix)
            ? out.slice(0, out.length - slot.prefix.length) + replacementFor(kind)
            : out + escapeHtml(value);
          break;
        }
        if (slot.first) {
          valueStart = out.length - slot.prefix.length;
          valueText = slot.prefix;
          valueTrusted = true;
        } else {
          valueText += strings[i] as string;
        }
        out += slot.quoted ? stringify(value) : stringifyUnquoted(value);
        if (checked) {
          valueText += plainText(value);
          valueTrusted &&= isTrusted(value);
        }
        if (slot.last) {
          if (checked && !valueTrusted && isUnsafe(kind, valueText + slot.suffix)) {
            // The whole value goes, static text included: any part of it may have spelled the scheme.
            out = out.slice(0, valueStart) + replacementFor(kind);
          } else if (!slot.quoted && out.length === valueStart && slot.suffix === '') {
            // An empty unquoted value would let the next attribute become this one's value.
            out += '""';
          }
        }
        break;
      }
    }
    out += strings[i + 1] as string;
  }
  return out;
}

/**
 * Marks trusted HTML so `html` will not escape it, and lets a value into places that
 * run it as code (`onclick="${raw('save()')}"`) or keep its URL unchecked. Never pass
 * user input here.
 */
export function raw(trusted: string): SafeHtml {
  return new RawHtml(trusted);
}

/** Renders any interpolation to a string with the same escaping rules as `html`. */
export function renderToString(value: unknown): string {
  return stringify(value);
}

/**
 * Renders an attribute map. `true` gives a bare attribute, `false`/`null`/`undefined`
 * omit it, everything else is escaped and double-quoted. Names are checked, since an
 * attribute *name* cannot be escaped. Values follow the same rules as in `html`:
 * URL attributes lose a `javascript:`-like URL, and event handlers (`on*`, `hx-on*`),
 * `hx-vars` and `srcdoc` take only `raw()`.
 *
 * @example html`<button ${attrs({ disabled: !state.size, class: 'buy' })}>Buy</button>`
 */
export function attrs(map: Record<string, unknown>): SafeHtml {
  const out: string[] = [];
  for (const [name, value] of Object.entries(map)) {
    if (!ATTR_NAME.test(name)) {
      throw new TypeError(`attrs(): ${JSON.stringify(name)} is not a valid attribute name`);
    }
    if (value === false || value === null || value === undefined) continue;
    if (value === true) {
      out.push(name);
      continue;
    }
    const kind = attrKind(name.toLowerCase());
    const trusted = value instanceof RawHtml;
    if (kind === AttrKind.Code && !trusted) {
      throw new Error(`attrs(): the value of ${name} would run as code; only raw() is accepted there (with code you wrote, never user input)`);
    }
    let text = value instanceof SafeHtml ? value.value : String(value);
    if (!trusted) {
      if (kind === AttrKind.Trigger) checkTrigger(text, name);
      if (isUnsafe(kind, text)) text = replacementFor(kind);
    }
    // Always escaped, raw() too: the quotes are ours, and the browser decodes the entities back.
    out.push(`${name}="${escapeHtml(text)}"`);
  }
  // Space-separated with none around, like on() and bind(): the template writes `<tag ${…}>`.
  return new SafeHtml(out.join(' '));
}
