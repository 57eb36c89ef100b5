/**
 * @module
 * Where each `${}` of an `html` template lands: in text, in a tag, in an attribute
 * value (which attribute, quoted or not), or inside `<script>`/`<style>`. This is
 * read from the template's own static text, once per template (the result is
 * cached by the caller), so rendering pays nothing for it but a lookup.
 *
 * The reader follows the HTML tokenizer only as far as the escaping needs: tags,
 * attributes, comments, and the elements whose content is not markup
 * (`<script>`, `<style>`, `<textarea>`, `<title>`, …).
 */

/** What an attribute's value means to the browser, by the attribute's name. */
export const AttrKind = {
  /** Plain text: escaping is all it needs. */
  Plain: 0,
  /** A URL: its scheme is checked (`javascript:` and friends are replaced). */
  Url: 1,
  /** A `srcset`: every candidate URL is checked. */
  Srcset: 2,
  /** Whitespace-separated URLs (`ping`). */
  UrlList: 3,
  /** Run as code (event handlers, `hx-on*`, `hx-vars`, `srcdoc`): only `raw()` may go in. */
  Code: 4,
  /** JSON that htmx evaluates as JavaScript when it starts with `js:` (`hx-vals`, …). */
  HtmxJson: 5,
  /** `hx-trigger`: a `[…]` in it is a JavaScript filter. */
  Trigger: 6,
} as const;
export type AttrKind = (typeof AttrKind)[keyof typeof AttrKind];

const URL_ATTRS = new Set([
  'href', 'src', 'action', 'formaction', 'xlink:href', 'xml:base', 'poster', 'cite', 'background',
  'codebase', 'classid', 'archive', 'longdesc', 'usemap', 'manifest', 'icon', 'profile', 'lowsrc', 'dynsrc',
  // htmx requests and history entries: a hostile scheme there runs nothing today, but it is a URL all the same.
  'hx-get', 'hx-post', 'hx-put', 'hx-patch', 'hx-delete', 'hx-push-url', 'hx-replace-url',
]);

/**
 * The kind of an attribute by its lower-case name. `tag` is the element, when known
 * (`data` is a URL on `<object>` only). htmx also reads every `hx-*` attribute
 * under a `data-` prefix, so `data-hx-on:click` is an event handler too.
 */
export function attrKind(name: string, tag = 'object'): AttrKind {
  const n = name.startsWith('data-hx-') ? name.slice(5) : name;
  if (n.startsWith('on') || n.startsWith('hx-on') || n === 'hx-vars' || n === 'srcdoc') return AttrKind.Code;
  if (URL_ATTRS.has(n) || (n === 'data' && tag === 'object')) return AttrKind.Url;
  if (n === 'srcset' || n === 'imagesrcset') return AttrKind.Srcset;
  if (n === 'ping') return AttrKind.UrlList;
  if (n === 'hx-vals' || n === 'hx-headers' || n === 'hx-request') return AttrKind.HtmxJson;
  if (n === 'hx-trigger') return AttrKind.Trigger;
  return AttrKind.Plain;
}

/** Where a `${}` is. */
export const Where = {
  /** Text between tags, a comment, or the content of `<textarea>`/`<title>`: escaped. */
  Text: 0,
  /** Where whole attributes go (`<button ${this.on('x')}>`): markup, or one bare attribute name. */
  Attrs: 1,
  /** Part of an attribute name (`data-${k}="…"`, or a name with `=` after it). */
  AttrName: 2,
  /** Part of a tag name (`<h${level}>`). */
  TagName: 3,
  /** An attribute value; see {@link Slot.attr} and {@link Slot.kind}. */
  Value: 4,
  /** Inside `<script>` or `<style>`: only `raw()`. */
  RawText: 5,
} as const;
export type Where = (typeof Where)[keyof typeof Where];

/** One `${}` of a template. */
export interface Slot {
  where: Where;
  /** For a value: what the attribute means. */
  kind: AttrKind;
  /** The attribute name (lower case), the element for {@link Where.RawText}, or the name so far. */
  attr: string;
  /** For a value: inside quotes. An unquoted value needs more escaping (a space would end it). */
  quoted: boolean;
  /** For a value: the first `${}` of this attribute's value, with `prefix` the static text before it. */
  first: boolean;
  /** For a value: the last `${}` of this attribute's value, with `suffix` the static text after it. */
  last: boolean;
  prefix: string;
  suffix: string;
  /** For a name: another `${}` touches this one, so the name cannot be checked whole. */
  shared: boolean;
  /**
   * For a URL or htmx value: the static text before the first `${}` already decides
   * what the value is (`/u/${id}`, `https://${host}`), so no value can change it.
   */
  settled: boolean;
  /** For a value: quoted, and nothing to check (plain text, or a settled URL): escaping is all it needs. */
  plain: boolean;
}

/** The analysis of one template: a slot per `${}`. */
export interface Plan {
  slots: Slot[];
  /** Every slot is text: the renderer can take its shortest path. */
  allText: boolean;
}

const State = {
  Text: 0,
  TagOpen: 1,
  EndTagOpen: 2,
  TagName: 3,
  InTag: 4,
  AttrName: 5,
  AfterAttrName: 6,
  BeforeValue: 7,
  ValueDouble: 8,
  ValueSingle: 9,
  ValueUnquoted: 10,
  Comment: 11,
  Bogus: 12,
  RawText: 13,
} as const;
type State = (typeof State)[keyof typeof State];

/** Elements whose content is text up to their end tag; the first two run it as code. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript']);
const CODE_ELEMENTS = new Set(['script', 'style']);

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
}

function isAlpha(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/** The run of name characters a static part starts with (`-id` of `-id="…"`). */
function leadingName(s: string): string {
  let i = 0;
  while (i < s.length && !isSpace(s[i] as string) && !'/>="\'<`'.includes(s[i] as string)) i++;
  return s.slice(0, i);
}

/**
 * Whether the static start of a value already fixes what its scheme is, whatever
 * follows: it holds a character no scheme may contain (`/`, `?`, `#`, `_`, …) before
 * any `:`, or a whole safe scheme (`https:`). Lists (`srcset`) start a new URL after
 * each comma, so they are always checked.
 */
function isSettled(kind: AttrKind, prefix: string): boolean {
  if (kind === AttrKind.HtmxJson) {
    const start = prefix.trimStart().toLowerCase();
    return start !== '' && !start.includes('&') && !'js:'.startsWith(start.slice(0, 3)) && !'javascript:'.startsWith(start.slice(0, 11));
  }
  if (kind !== AttrKind.Url) return false;
  let i = 0;
  while (i < prefix.length && prefix.charCodeAt(i) <= 0x20) i++;
  let scheme = '';
  for (; i < prefix.length; i++) {
    const c = prefix[i] as string;
    if (c === '\t' || c === '\n' || c === '\r') continue;
    // An entity could spell any character: leave such a value to the full check.
    if (c === '&') return false;
    if (c === ':') return scheme !== '' && SAFE_SCHEMES.has(scheme.toLowerCase());
    if (!(isAlpha(c) || (scheme !== '' && ((c >= '0' && c <= '9') || c === '+' || c === '-' || c === '.')))) return true;
    scheme += c;
  }
  return false;
}

const SAFE_SCHEMES = new Set(['http', 'https', 'mailto', 'tel']);

function slot(where: Where, attr = '', kind: AttrKind = AttrKind.Plain): Slot {
  return { where, kind, attr, quoted: true, first: false, last: false, prefix: '', suffix: '', shared: false, settled: false, plain: false };
}

/** Reads a template's static parts and says where each `${}` lands. */
export function analyse(strings: readonly string[]): Plan {
  const slots: Slot[] = [];
  let state: State = State.Text;
  let tag = '';
  let tagIsEnd = false;
  let tagDynamic = false;
  // How deep inside <svg> / <math> (foreign content) the reader is.
  let foreign = 0;
  let attr = '';
  let attrDynamic = false;
  let rawEnd = '';
  let rawIsCode = false;
  // The value being read: its static text since it began or since its last `${}`, and its slots.
  let valueText = '';
  let valueSlots: Slot[] = [];
  // For names: whether a `${}` already went into the name being read.
  let nameHoles = 0;

  const endValue = () => {
    const lastSlot = valueSlots.at(-1);
    if (lastSlot) {
      lastSlot.last = true;
      lastSlot.suffix = valueText;
    }
    valueSlots = [];
    valueText = '';
  };
  const startValue = () => {
    valueSlots = [];
    valueText = '';
  };
  const finishTag = () => {
    if (tag === 'svg' || tag === 'math') foreign = Math.max(0, foreign + (tagIsEnd ? -1 : 1));
    // Inside <svg> or <math>, a <title> or <textarea> holds markup like any element;
    // <script> and <style> stay refused wherever they are.
    if (!tagIsEnd && !tagDynamic && RAW_TEXT.has(tag) && (foreign === 0 || CODE_ELEMENTS.has(tag))) {
      state = State.RawText;
      rawEnd = `</${tag}`;
      rawIsCode = CODE_ELEMENTS.has(tag);
    } else {
      state = State.Text;
    }
  };
  const startAttr = (c: string) => {
    state = State.AttrName;
    attr = c.toLowerCase();
    attrDynamic = false;
    nameHoles = 0;
  };

  for (let part = 0; part < strings.length; part++) {
    const s = strings[part] as string;
    for (let i = 0; i < s.length; i++) {
      const c = s[i] as string;
      switch (state as State) {
        case State.Text:
          if (c === '<') state = State.TagOpen;
          break;
        case State.TagOpen:
          if (isAlpha(c)) {
            state = State.TagName;
            tag = c.toLowerCase();
            tagIsEnd = false;
            tagDynamic = false;
            nameHoles = 0;
          } else if (c === '/') {
            state = State.EndTagOpen;
          } else if (c === '!') {
            if (s.startsWith('--', i + 1)) {
              state = State.Comment;
              i += 2;
            } else {
              state = State.Bogus;
            }
          } else if (c === '?') {
            state = State.Bogus;
          } else {
            state = c === '<' ? State.TagOpen : State.Text;
          }
          break;
        case State.EndTagOpen:
          if (isAlpha(c)) {
            state = State.TagName;
            tag = c.toLowerCase();
            tagIsEnd = true;
            tagDynamic = false;
            nameHoles = 0;
          } else {
            state = c === '>' ? State.Text : State.Bogus;
          }
          break;
        case State.TagName:
          if (isSpace(c) || c === '/') state = State.InTag;
          else if (c === '>') finishTag();
          else tag += c.toLowerCase();
          break;
        case State.InTag:
        case State.AfterAttrName:
          if (isSpace(c) || c === '/') break;
          if (c === '>') finishTag();
          else if (c === '=' && state === State.AfterAttrName) state = State.BeforeValue;
          else startAttr(c);
          break;
        case State.AttrName:
          if (isSpace(c)) state = State.AfterAttrName;
          else if (c === '/') state = State.InTag;
          else if (c === '>') finishTag();
          else if (c === '=') state = State.BeforeValue;
          else attr += c.toLowerCase();
          break;
        case State.BeforeValue:
          if (isSpace(c)) break;
          if (c === '"') {
            state = State.ValueDouble;
            startValue();
          } else if (c === "'") {
            state = State.ValueSingle;
            startValue();
          } else if (c === '>') {
            finishTag();
          } else {
            state = State.ValueUnquoted;
            startValue();
            valueText = c;
          }
          break;
        case State.ValueDouble:
        case State.ValueSingle:
          if (c === (state === State.ValueDouble ? '"' : "'")) {
            endValue();
            state = State.InTag;
          } else {
            valueText += c;
          }
          break;
        case State.ValueUnquoted:
          if (isSpace(c)) {
            endValue();
            state = State.InTag;
          } else if (c === '>') {
            endValue();
            finishTag();
          } else {
            valueText += c;
          }
          break;
        case State.Comment:
          if (c === '>' && (s.endsWith('--', i) || s.endsWith('--!', i))) state = State.Text;
          break;
        case State.Bogus:
          if (c === '>') state = State.Text;
          break;
        case State.RawText:
          if (c === '<' && s.slice(i, i + rawEnd.length).toLowerCase() === rawEnd) {
            const after = s[i + rawEnd.length];
            if (after === undefined || isSpace(after) || after === '/' || after === '>') {
              state = State.TagName;
              tag = rawEnd.slice(2);
              tagIsEnd = true;
              tagDynamic = false;
              i += rawEnd.length - 1;
            }
          }
          break;
      }
    }
    if (part === strings.length - 1) break;

    // The `${}` after this part.
    const next = strings[part + 1] as string;
    const touchesNext = next === '' && part + 1 < strings.length - 1;
    switch (state as State) {
      case State.TagOpen:
      case State.EndTagOpen:
      case State.TagName: {
        const s2 = slot(Where.TagName, state === State.TagName ? tag : '');
        s2.suffix = leadingName(next);
        s2.shared = nameHoles > 0 || touchesNext;
        if (state !== State.TagName) {
          tagIsEnd = state === State.EndTagOpen;
          tag = '';
        }
        nameHoles++;
        tagDynamic = true;
        state = State.TagName;
        slots.push(s2);
        break;
      }
      case State.InTag:
      case State.AfterAttrName: {
        const lead = leadingName(next);
        if (lead === '' && next[0] !== '=') {
          slots.push(slot(Where.Attrs));
          break;
        }
        // A name begins with this value: `${k}="…"` or `${k}-x`.
        startAttr('');
        attrDynamic = true;
        const s2 = slot(Where.AttrName);
        s2.suffix = lead;
        s2.shared = touchesNext || (part > 0 && s === '');
        nameHoles = 1;
        slots.push(s2);
        break;
      }
      case State.AttrName: {
        const s2 = slot(Where.AttrName, attr);
        s2.suffix = leadingName(next);
        s2.shared = nameHoles > 0 || touchesNext;
        nameHoles++;
        attrDynamic = true;
        slots.push(s2);
        break;
      }
      case State.BeforeValue:
        state = State.ValueUnquoted;
        startValue();
      // falls through: the value starts with this `${}`
      case State.ValueDouble:
      case State.ValueSingle:
      case State.ValueUnquoted: {
        // A name built from a value was checked to be plain when it rendered.
        const kind = attrDynamic ? AttrKind.Plain : attrKind(attr, tag);
        const s2 = slot(Where.Value, attr, kind);
        s2.quoted = state !== State.ValueUnquoted;
        s2.first = valueSlots.length === 0;
        if (s2.first) s2.prefix = valueText;
        s2.settled = s2.first ? isSettled(kind, valueText) : (valueSlots[0] as Slot).settled;
        s2.plain = s2.quoted && (kind === AttrKind.Plain || s2.settled);
        valueText = '';
        valueSlots.push(s2);
        slots.push(s2);
        break;
      }
      case State.RawText:
        slots.push(rawIsCode ? slot(Where.RawText, tag) : slot(Where.Text));
        break;
      default:
        slots.push(slot(Where.Text));
    }
  }
  // A template that ends inside a value (a fragment): its last slot is the value's last.
  if (state === State.ValueDouble || state === State.ValueSingle || state === State.ValueUnquoted) endValue();
  return { slots, allText: slots.every((s) => s.where === Where.Text) };
}
