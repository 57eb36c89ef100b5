/**
 * @module
 * The Liquid side of slots and children: `{% slot "name" %}fallback{% endslot %}`
 * writes the component's fill for a slot (its own content when the slot is
 * empty), `{% child "name", key: "k", param: value %}` renders a registered
 * component as a child exactly as `this.child()` does, and {@link liquidSlots}
 * gives a template `slots` in the form Liquid's `{% if %}` reads correctly.
 */
import { type Context, type Emitter, Hash, type Liquid, type Parser, Tag, type TagToken, type Template, type TopLevelToken, TypeGuards } from 'liquidjs';
import type { TemplateContext } from '../../core/component.js';
import type { SafeHtml } from '../../core/html.js';
import { componentOf } from './index.js';

/**
 * `slots` as Liquid sees it: an empty slot is `null`, not `''`, because to
 * Liquid (as to Shopify's) an empty string is true, and
 * `{% if slots.reviews %}` must skip an empty slot. `{{ slots.reviews }}`
 * writes nothing for `null` either way.
 */
export function liquidSlots(slots: TemplateContext['slots'] | undefined): Record<string, SafeHtml | null> {
  const out: Record<string, SafeHtml | null> = {};
  for (const [name, fill] of Object.entries(slots ?? {})) out[name] = fill === '' ? null : fill;
  return out;
}

/** `{% slot "reviews" %}…{% endslot %}`: the fill of slot `reviews` (no name: `default`), else the block's content. */
export class SlotTag extends Tag {
  readonly #name: string;
  readonly #fallback: Template[] = [];

  constructor(token: TagToken, remain: TopLevelToken[], liquid: Liquid, parser: Parser) {
    super(token, remain, liquid);
    this.#name = this.tokenizer.readValue()?.getText() ?? '';
    while (remain.length > 0) {
      const next = remain.shift() as TopLevelToken;
      if (TypeGuards.isTagToken(next) && next.name === 'endslot') return;
      this.#fallback.push(parser.parseToken(next, remain));
    }
    throw new Error(`tag ${token.getText()} not closed: add {% endslot %}`);
  }

  *render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
    const name = this.#name === '' ? 'default' : ((yield this.liquid.evalValue(this.#name, ctx)) as string);
    const component = componentOf(ctx, 'slot');
    if (component.hasSlot(name)) {
      // Rendered once per render: a fill the template context holds already is reused.
      emitter.write(((yield component.slot(name)) as SafeHtml).value);
    } else {
      yield this.liquid.renderer.renderTemplates(this.#fallback, ctx, emitter);
    }
  }
}

/**
 * `{% child "reviews", productId: state.id, key: "r" %}`: `this.child()` with a
 * registered name; `key` is the child's key, the other values its params.
 */
export class ChildTag extends Tag {
  readonly #name: string;
  readonly #hash: Hash;

  constructor(token: TagToken, remain: TopLevelToken[], liquid: Liquid) {
    super(token, remain, liquid);
    this.#name = this.tokenizer.readValue()?.getText() ?? '';
    if (this.#name === '') throw new Error('{% child %} needs a component name, e.g. {% child "reviews", key: "r" %}');
    this.tokenizer.skipBlank();
    if (this.tokenizer.peek() === ',') this.tokenizer.advance();
    this.#hash = new Hash(this.tokenizer.remaining());
  }

  *render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
    const name = (yield this.liquid.evalValue(this.#name, ctx)) as unknown;
    const { key, ...params } = (yield this.#hash.render(ctx)) as Record<string, unknown>;
    if (typeof name !== 'string') throw new TypeError('{% child %}: the component name must be a string');
    if (key !== undefined && typeof key !== 'string' && typeof key !== 'number') throw new TypeError('{% child %}: key must be a string or a number');
    const out = (yield componentOf(ctx, 'child').child(name, params, key === undefined ? {} : { key })) as SafeHtml;
    emitter.write(out.value);
  }
}
