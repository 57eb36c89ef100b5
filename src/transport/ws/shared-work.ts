/**
 * @module
 * A group message handled once per distinct component, not once per socket.
 *
 * When the same page is open in many browsers (a scoreboard, a cached page),
 * the roots that hold the same component — same name, id, params, state, user,
 * digest, bound fields, message ids and kept children — would all run the same
 * handler on the same state and render the same HTML, sign the same blob and
 * build the same frame. The first of them to get the message does that work;
 * the others take its outcome: the new state (each its own copy), the render,
 * and the frame, encoded once. Each root still checks its own policies and
 * message ids, and keeps its own state afterwards.
 *
 * Outcomes are kept per message object (the hub hands the same object to every
 * member in this process) while some root is still handling it.
 */
import type { WeftError } from '../../core/errors.js';
import type { AnyComponent, Rendered } from '../../core/lifecycle.js';
import { digestOf } from '../../core/lifecycle.js';
import { decodeGroupMessage, getSeqs, type GroupMessage } from '../../core/live.js';
import type { BackplaneMessage } from '../../backplane/types.js';
import type { PreFramed } from './frame-once.js';

/** What handling a group message on one root produced, for every root with the same key. */
export type SharedOutcome =
  | {
      ok: true;
      /** Unique to this outcome: the roots that take it are alike until one changes (see `shareToken`). */
      token: string;
      state: string;
      errors: Record<string, string>;
      seqs: Record<string, string>;
      rendered: Rendered;
      frame: PreFramed;
    }
  | { ok: false; error: WeftError; /** The new state when the handler ran but the render failed. */ state?: string };

/**
 * The outcomes of the messages some root of this process is still handling,
 * with how many roots are: an entry goes as soon as its last root is done, so
 * a message the backplane keeps for replay does not keep its renders alive.
 */
const inFlight = new Map<BackplaneMessage, { roots: number; byKey: Map<string, Promise<SharedOutcome>>; decoded?: GroupMessage }>();

/** A root will handle `message`: call {@link release} when it is done, whatever happened. */
export function retain(message: BackplaneMessage): void {
  const entry = inFlight.get(message);
  if (entry) entry.roots++;
  else inFlight.set(message, { roots: 1, byKey: new Map() });
}

export function release(message: BackplaneMessage): void {
  const entry = inFlight.get(message);
  if (entry && --entry.roots <= 0) inFlight.delete(message);
}

/** The message's data decoded once for all the roots handling it (decoded anew for one not retained). */
export function decodedMessage(message: BackplaneMessage): GroupMessage {
  const entry = inFlight.get(message);
  if (!entry) return decodeGroupMessage(message.data);
  return (entry.decoded ??= decodeGroupMessage(message.data));
}

/** Messages some root is still handling (for tests: none once all are done). */
export function inFlightCount(): number {
  return inFlight.size;
}

/**
 * Everything a render of `instance` depends on besides the request it came
 * with: roots with equal keys render byte-for-byte the same root element.
 */
export function shareKey(instance: AnyComponent, userKey: string | undefined, bound: readonly string[]): string {
  return JSON.stringify([
    instance.name,
    instance.id,
    userKey ?? null,
    digestOf(instance) ?? null,
    instance.params,
    instance.state,
    getSeqs(instance),
    bound,
    instance.context.kept ?? null,
  ]);
}

/**
 * The outcome of handling `message` on a root with `key`: computed by `compute`
 * on the first such root, shared with the rest.
 */
export function sharedOutcome(message: BackplaneMessage, key: string, compute: () => Promise<SharedOutcome>): { outcome: Promise<SharedOutcome>; first: boolean } {
  const byKey = inFlight.get(message)?.byKey;
  // Not retained (a caller outside the group path): nothing to share with.
  if (!byKey) return { outcome: compute(), first: true };
  const known = byKey.get(key);
  if (known) return { outcome: known, first: false };
  const outcome = compute();
  byKey.set(key, outcome);
  return { outcome, first: true };
}
