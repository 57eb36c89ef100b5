/**
 * @module
 * Maps component names to classes. Registering checks the class's declarations so
 * mistakes fail at start-up, not on a user's first click.
 */
import { type CheckedEvents, type ComponentClass, EVENT_NAME, RESERVED_NAMES } from './component.js';
import { checkAssetSources } from './assets.js';
import { isStandardSchema } from './schema.js';
import { checkSlotDeclarations } from './slots.js';
import { checkPageEvents } from './emit.js';

/** Component names are used in URLs and element ids. */
export const COMPONENT_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

export interface RegistryOptions {
  /** How error messages name this registry, e.g. "the default registry". */
  description?: string;
}

export class Registry {
  readonly #byName = new Map<string, ComponentClass>();
  readonly #byClass = new Map<ComponentClass, string>();
  /** How error messages name this registry; `undefined` for one an app made itself. */
  readonly description: string | undefined;

  constructor(options: RegistryOptions = {}) {
    this.description = options.description;
  }

  /**
   * Registers `type` under `name`. Throws on a duplicate name or a bad declaration.
   * Does not compile when a declared event has no public handler that accepts
   * what its schema outputs (`true`: any object).
   */
  register<T extends ComponentClass>(name: string, type: T & CheckedEvents<T>): T {
    if (!COMPONENT_NAME.test(name)) {
      throw new TypeError(`component name ${JSON.stringify(name)} must match ${COMPONENT_NAME}`);
    }
    if (this.#byName.has(name)) {
      throw new Error(`component "${name}" is already registered (by class ${this.#byName.get(name)?.name})`);
    }
    checkDeclarations(name, type);
    this.#byName.set(name, type);
    if (!this.#byClass.has(type)) this.#byClass.set(type, name);
    return type;
  }

  get(name: string): ComponentClass | undefined {
    return this.#byName.get(name);
  }

  /** The name a class was first registered under. */
  nameOf(type: ComponentClass): string | undefined {
    return this.#byClass.get(type);
  }

  names(): string[] {
    return [...this.#byName.keys()];
  }
}

function checkDeclarations(name: string, type: ComponentClass): void {
  if (typeof type !== 'function' || typeof type.prototype?.mount !== 'function') {
    throw new TypeError(`component "${name}" must be a class extending Component`);
  }
  for (const [event, spec] of Object.entries(type.events ?? {})) {
    if (!EVENT_NAME.test(event) || RESERVED_NAMES.has(event)) {
      throw new Error(`component "${name}": "${event}" cannot be an event name (reserved or not an identifier)`);
    }
    if (typeof (type.prototype as unknown as Record<string, unknown>)[event] !== 'function') {
      throw new Error(`component "${name}" declares event "${event}" but has no method of that name`);
    }
    if (spec !== true && !isStandardSchema(spec)) {
      throw new Error(`component "${name}": event "${event}" must map to true or a Standard Schema`);
    }
  }
  checkPageEvents(name, type);
  if (!/^[a-z][a-z0-9-]*$/.test(type.tagName)) {
    throw new Error(`component "${name}": tagName ${JSON.stringify(type.tagName)} is not a valid element name`);
  }
  checkSlotDeclarations(name, type.slots);
  checkAssetSources(name, type);
}

/** The default registry, used by `@component()` and by apps that are not given one. */
export const registry = new Registry({ description: 'the default registry' });

/** A name for `type` in examples: `ProductCard` → `product-card`. */
export function suggestedName(type: { name: string }): string {
  return type.name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase().replace(/[^a-z0-9_-]/g, '') || 'component';
}

/**
 * The error for a class that is not in `searched`: names that registry (and
 * `passedTo`, the call it was given to, when it has no description of its own),
 * and says so when the class is in the default registry instead.
 */
export function notRegistered(type: ComponentClass, searched: Registry, passedTo: string): Error {
  const where = searched.description ?? `the registry passed to ${passedTo}`;
  // A copy of the default registry (as tests use) keeps its description.
  const isDefault = searched === registry || searched.description === registry.description;
  const call = `register('${suggestedName(type)}', ${type.name})`;
  let message = `Weft: component class ${type.name} is not registered in ${where}; call ${isDefault ? `registry.${call}` : `${call} on that registry`}`;
  const elsewhere = searched === registry ? undefined : registry.nameOf(type);
  if (elsewhere !== undefined) {
    message += `. It is registered in the default registry (as "${elsewhere}"), which is not the one searched`;
  }
  return new Error(message);
}

/**
 * Class decorator that registers a component. Works with standard (TC39) decorators
 * and with `experimentalDecorators`.
 *
 * @example
 * @component('counter')
 * class Counter extends Component<{ count: number }> { … }
 */
export function component(name: string, into: Registry = registry) {
  return <T extends ComponentClass>(type: T & CheckedEvents<T>, _context?: unknown): T => into.register<T>(name, type);
}
