/**
 * @module
 * Permissions: who may use a component, or one of its events. Each is a small
 * object with a `check` and the stage it needs (docs/policies.md):
 *
 * @example
 * class Checkout extends Component<State> {
 *   static permissions = [IsAuthenticated];
 *   static eventPolicies = { refund: { permissions: [hasRole('staff')] } };
 * }
 *
 * A check that returns false is refused with 401 "Authentication required" when
 * the request has no user, else 403 `forbidden`.
 */
import { authenticationRequired } from '../core/dispatch.js';
import { WeftError } from '../core/errors.js';
import type { Permission, PolicyContext } from '../core/policy.js';

/** Anyone, signed in or not. */
export const AllowAny: Permission = Object.freeze({ name: 'AllowAny', stage: 'request', check: () => true });

/** A signed-in user: the app's `user` function found one. */
export const IsAuthenticated: Permission = Object.freeze({
  name: 'IsAuthenticated',
  stage: 'request',
  check: (ctx: PolicyContext) => ctx.user !== undefined && ctx.user !== null,
});

function rolesOf(user: unknown): readonly unknown[] {
  if (typeof user !== 'object' || user === null) return [];
  const { roles, role } = user as { roles?: unknown; role?: unknown };
  if (Array.isArray(roles)) return roles;
  return role === undefined ? [] : [role];
}

/**
 * A signed-in user with any of `roles`, read from the user's `roles` array (or
 * its single `role`).
 */
export function hasRole(...roles: readonly string[]): Permission {
  if (roles.length === 0) throw new TypeError('hasRole() needs at least one role');
  return Object.freeze({
    name: `hasRole(${roles.join(', ')})`,
    stage: 'request' as const,
    check: (ctx: PolicyContext) => rolesOf(ctx.user).some((r) => typeof r === 'string' && roles.includes(r)),
  });
}

/** A signed-in user marked `isStaff: true`, or with the role `staff`. */
export const IsStaff: Permission = Object.freeze({
  name: 'IsStaff',
  stage: 'request',
  check: (ctx: PolicyContext) =>
    (typeof ctx.user === 'object' && ctx.user !== null && (ctx.user as { isStaff?: unknown }).isStaff === true) ||
    rolesOf(ctx.user).includes('staff'),
});

/**
 * A custom check. It runs after the state is read (it gets `params`, `state`,
 * the event and its payload besides the user) unless `stage: 'request'` says it
 * needs only the user. It may be async (ask a database).
 *
 * @example
 * const OwnsOrder = permission('OwnsOrder', ({ user, state }) => state?.owner === user?.id);
 */
export function permission(
  name: string,
  check: (context: PolicyContext) => boolean | Promise<boolean>,
  options: { stage?: 'request' | 'component' } = {},
): Permission {
  if (typeof check !== 'function') throw new TypeError(`permission "${name}" needs a check function`);
  return Object.freeze({ name, stage: options.stage ?? 'component', check });
}

/** The stage a combination needs: the request stage only when every part needs only the user. */
function stageOf(permissions: readonly Permission[]): 'request' | 'component' {
  return permissions.every((p) => p.stage === 'request') ? 'request' : 'component';
}

/** Every one of `permissions` must allow (as listing them in `permissions` does). */
export function all(...permissions: readonly Permission[]): Permission {
  checkPermissions(permissions, 'all()');
  return Object.freeze({
    name: `all(${permissions.map((p) => p.name).join(', ')})`,
    stage: stageOf(permissions),
    async check(ctx: PolicyContext) {
      for (const p of permissions) if (!(await p.check(ctx))) return false;
      return true;
    },
  });
}

/** At least one of `permissions` must allow. */
export function any(...permissions: readonly Permission[]): Permission {
  if (permissions.length === 0) throw new TypeError('any() needs at least one permission');
  checkPermissions(permissions, 'any()');
  return Object.freeze({
    name: `any(${permissions.map((p) => p.name).join(', ')})`,
    stage: stageOf(permissions),
    async check(ctx: PolicyContext) {
      for (const p of permissions) if (await p.check(ctx)) return true;
      return false;
    },
  });
}

/** Checks a declared permission list at start-up, so a typo fails then and not on a request. */
export function checkPermissions(value: unknown, where: string): readonly Permission[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new TypeError(`${where} must be an array of permissions, e.g. [IsAuthenticated]`);
  value.forEach((p: unknown, i) => {
    const ok =
      typeof p === 'object' &&
      p !== null &&
      typeof (p as Permission).check === 'function' &&
      ((p as Permission).stage === 'request' || (p as Permission).stage === 'component');
    if (!ok) throw new TypeError(`${where}[${i}] is not a permission (use IsAuthenticated, hasRole(), permission(), …)`);
  });
  return value as readonly Permission[];
}

/**
 * Runs the permissions of `stage` in order; the first that refuses throws:
 * 401 without a user, 403 with one. A `WeftError` a check throws passes through.
 */
export async function enforce(permissions: readonly Permission[], stage: 'request' | 'component', ctx: PolicyContext): Promise<void> {
  for (const p of permissions) {
    if (p.stage !== stage) continue;
    if (await p.check(ctx)) continue;
    if (ctx.user === undefined || ctx.user === null) throw authenticationRequired();
    const what = ctx.event === undefined ? `component "${ctx.name}"` : `event "${ctx.event}" of component "${ctx.name}"`;
    throw new WeftError(403, 'forbidden', `Permission denied: ${what} requires ${p.name}`, { permission: p.name });
  }
}
