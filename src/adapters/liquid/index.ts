/**
 * @module
 * File templates with LiquidJS: a component sets `static template` to a file name
 * and renders it with its `state`, `params` and `errors`. Output is HTML-escaped
 * by default (`outputEscape: 'escape'`); use `| raw` for trusted HTML. The
 * `{% on "event", key: value %}` tag writes the same attributes as
 * `Component.on()`. Field errors are reachable under their own names, even
 * `errors.size`, which Liquid would otherwise read as the number of errors.
 *
 * @example
 * class Product extends Component<State> {
 *   static template = 'product.liquid';
 *   static renderer = liquidRenderer({ root: 'templates' });
 * }
 * // product.liquid: <button {% on "selectSize", size: option.size %}>{{ option.size }}</button>
 */
import { Liquid, type LiquidOptions, Tag, type TagToken, type Context, Hash, type Emitter, type TopLevelToken, type Liquid as LiquidEngine } from 'liquidjs';
import type { Renderer, TemplateContext } from '../../core/component.js';

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
    const component = (ctx.getSync(['component']) as TemplateContext['component'] | undefined);
    if (!component) throw new Error('{% on %} used outside a component template');
    emitter.write(component.on(event as never, payload as never).value);
  }
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
  const engine = new Liquid({ outputEscape: 'escape', extname: '.liquid', cache: true, ...options });
  engine.registerTag('on', OnTag);
  return {
    engine,
    render(template: string, context: TemplateContext): Promise<string> {
      return engine.renderFile(template, { ...context, errors: fieldErrors(context.errors) });
    },
  };
}
