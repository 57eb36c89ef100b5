/**
 * @module
 * Ready-made `user` functions for `createWeft({ user })`.
 */
import type { UserInput } from '../app.js';
import type { CurrentUser } from '../core/policy.js';

/**
 * The user the host already put in the request's locals as `locals.user`
 * (Express' `req.user` from Passport, say: Weft's Express middleware passes it
 * on). For the WebSocket, give `attachLive()` a `locals` function that finds
 * the same user from the upgrade request's cookies.
 */
export function userFromLocals(input: UserInput): CurrentUser | undefined {
  const user = (input.locals as unknown as Record<string, unknown>).user;
  return user === null ? undefined : (user as CurrentUser | undefined);
}
