/**
 * @module
 * File templates with LiquidJS: a component sets `static template` to a file name
 * and renders it with its `state`, `params` and `errors`. Output is HTML-escaped
 * by default (Liquid's `outputEscape`, done with Weft's escaper); use `| raw` for
 * trusted HTML. The `{% on "event", key: value %}` tag writes the same attributes
 * as `Component.on()`, and `{% bind "field" %}` the same as `Component.bind()`: it
 * is the template's way to make a state field writable from the browser (a
 * `weft-model` attribute written by hand, or in a `| raw` value, is not). Field
 * errors are reachable under their own names, even `errors.size`, which Liquid
 * would otherwise read as the number of errors.
 *
 * Slots (`static slots`): `slots.<name>` is a slot's rendered fill, written
 * unescaped (it is HTML Weft rendered or escaped) and empty — false to
 * `{% if %}` — when the slot is; `{% slot "name" %}fallback{% endslot %}`
 * writes the fill or else its own content; `{% child "name", key: "k", a: 1 %}`
 * renders a registered component as a child, as `this.child()` does (same ids).
 *
 * @example
 * class Product extends Component<State> {
 *   static template = 'product.liquid';
 *   static renderer = liquidRenderer({ root: 'templates' });
 * }
 * // product.liquid: <button {% on "selectSize", size: option.size %}>{{ option.size }}</button>
 * //                 <input type="text" {% bind "note" %}>
 */
import { filters, Liquid, type LiquidOptions, Tag, type TagToken, type Context, Hash, type Emitter, type TopLevelToken, type Liquid as LiquidEngine } from 'liquidjs';
import type { Renderer, TemplateContext } from '../../core/component.js';
import { escapeHtml, SafeHtml } from '../../core/html.js';
import { ChildTag, liquidSlots, SlotTag } from './slots.js';

export type LiquidRendererOptions = LiquidOptions;

class OnTag extends Tag {
  readonly #event: string;
  readonly #hash: Hash;

  constructor(token: TagToken, remain: TopLevelToken[], liquid: LiquidEngine) {
    super(token, remain, liquid);
    this.#event = this.tokenizer.readValue()?.getText() ?? '';
    this.tokenizer.skipBlank();
    if (this.tokenizer.peek() === ',') this.tokenizer.advance();
    this.#hash = new Hash(this.tokenizer.remaining());
  }

  *render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
    const event = (yield this.liquid.evalValue(this.#event, ctx)) as string;
    const payload = (yield this.#hash.render(ctx)) as Record<string, unknown>;
    emitter.write(componentOf(ctx, 'on').on(event as never, payload as never).value);
  }
}

/** The component a template renders, for the tags that write its attributes. */
export function componentOf(ctx: Context, tag: string): TemplateContext['component'] {
  const component = ctx.getSync(['component']) as TemplateContext['component'] | undefined;
  if (!component) throw new Error(`{% ${tag} %} used outside a component template`);
  return component;
}

/** `{% bind "field" %}` (or a variable): `Component.bind()`, recorded for this render like it. */
class BindTag extends Tag {
  readonly #field: string;

  constructor(token: TagToken, remain: TopLevelToken[], liquid: LiquidEngine) {
    super(token, remain, liquid);
    this.#field = this.tokenizer.readValue()?.getText() ?? '';
    if (this.#field === '') throw new Error('{% bind %} needs a field name, e.g. {% bind "note" %}');
  }

  *render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
    const field = (yield this.liquid.evalValue(this.#field, ctx)) as unknown;
    emitter.write(componentOf(ctx, 'bind').bind(field as never).value);
  }
}

const liquidEscape = filters.escape as (this: { context: Context }, value: unknown) => string;

/**
 * Liquid's `escape` with Weft's escaper for strings. The built-in calls a function
 * for every character it escapes, which makes text full of `&` or `<` (a form
 * value quoted back in an error message, say) over ten times slower to render:
 * a 1 MiB request of `&` would hold the server for a fifth of a second.
 */
function escapeOutput(this: { context: Context }, value: unknown): string {
  // Already HTML (a slot's fill): escaping it again would show its markup as text.
  if (value instanceof SafeHtml) return value.value;
  if (typeof value !== 'string') return liquidEscape.call(this, value);
  this.context.memoryLimit.use(value.length);
  return escapeHtml(value);
}

/**
 * Field errors as a template sees them. On a plain object Liquid reads `size`
 * (`errors.size`, `errors["size"]`) as its number of keys, so
 * `{% if errors.size %}` would print `0` when there is no error at all. An own,
 * non-enumerable `size` that is empty unless a field named `size` has a message
 * makes every field, `size` included, mean its message. `{% for %}` and
 * `errors == empty` still see only the real fields.
 */
function fieldErrors(errors: Readonly<Record<string, string>>): Record<string, string> {
  const view: Record<string, string> = { ...errors };
  if (!Object.hasOwn(view, 'size')) Object.defineProperty(view, 'size', { value: undefined, enumerable: false });
  return view;
}

/** A {@link Renderer} backed by LiquidJS. Templates are cached by LiquidJS. */
export function liquidRenderer(options: LiquidRendererOptions = {}): Renderer & { engine: Liquid } {
  const engine = new Liquid({ outputEscape: escapeOutput, extname: '.liquid', cache: true, ...options });
  engine.registerTag('on', OnTag);
  engine.registerTag('bind', BindTag);
  engine.registerTag('slot', SlotTag);
  engine.registerTag('child', ChildTag);
  return {
    engine,
    render(template: string, context: TemplateContext): Promise<string> {
      return engine.renderFile(template, { ...context, errors: fieldErrors(context.errors), slots: liquidSlots(context.slots) });
    },
  };
}
