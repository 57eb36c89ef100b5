import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Component, fullContext } from '../core/component.js';
import { WeftError } from '../core/errors.js';
import type { CurrentUser, Permission, PolicyContext } from '../core/policy.js';
import { isWeftError } from '../testing/index.js';
import { all, AllowAny, any, checkPermissions, enforce, hasRole, IsAuthenticated, IsStaff, permission } from './permissions.js';

class Widget extends Component<{ owner: string }> {
  mount() {
    return { owner: 'ada' };
  }
}

function ctx(user?: unknown, extra: Partial<PolicyContext> = {}): PolicyContext {
  return {
    door: 'event',
    name: 'widget',
    type: Widget,
    user: user as CurrentUser | undefined,
    request: undefined,
    context: fullContext({ user: user as CurrentUser | undefined }),
    ...extra,
  };
}

const ada = { id: 'ada', roles: ['editor'] };
const staffByFlag = { id: 'sam', isStaff: true };
const staffByRole = { id: 'kim', roles: ['staff'] };
const singleRole = { id: 'lee', role: 'editor' };

describe('built-in permissions', () => {
  it('AllowAny allows everyone, at the request stage', async () => {
    assert.equal(AllowAny.stage, 'request');
    assert.equal(await AllowAny.check(ctx()), true);
    assert.equal(await AllowAny.check(ctx(ada)), true);
  });

  it('IsAuthenticated needs a user (undefined and null are anonymous)', async () => {
    assert.equal(IsAuthenticated.stage, 'request');
    assert.equal(await IsAuthenticated.check(ctx()), false);
    assert.equal(await IsAuthenticated.check(ctx(null)), false);
    assert.equal(await IsAuthenticated.check(ctx(ada)), true);
  });

  it('IsStaff takes isStaff: true or the role "staff", nothing else', async () => {
    assert.equal(IsStaff.stage, 'request');
    assert.equal(await IsStaff.check(ctx(staffByFlag)), true);
    assert.equal(await IsStaff.check(ctx(staffByRole)), true);
    assert.equal(await IsStaff.check(ctx({ id: 'x', role: 'staff' })), true);
    assert.equal(await IsStaff.check(ctx(ada)), false);
    assert.equal(await IsStaff.check(ctx({ id: 'x', isStaff: 'yes' })), false, 'only the boolean true counts');
    assert.equal(await IsStaff.check(ctx()), false);
  });

  it('hasRole reads the roles array or a single role, and needs a role to check', async () => {
    const editor = hasRole('editor', 'admin');
    assert.equal(editor.stage, 'request');
    assert.equal(editor.name, 'hasRole(editor, admin)');
    assert.equal(await editor.check(ctx(ada)), true);
    assert.equal(await editor.check(ctx(singleRole)), true);
    assert.equal(await editor.check(ctx({ id: 'x', roles: ['viewer'] })), false);
    assert.equal(await editor.check(ctx({ id: 'x', roles: 'editor' })), false, 'a string is not a roles array');
    assert.equal(await editor.check(ctx({ id: 'x', roles: [{ name: 'editor' }] })), false);
    assert.equal(await editor.check(ctx()), false);
    assert.throws(() => hasRole(), /at least one role/);
  });
});

describe('permission()', () => {
  it('is a component-stage check unless told otherwise, and may be async', async () => {
    const owns = permission('OwnsWidget', async ({ user, state }) => state?.owner === (user as { id?: string } | undefined)?.id);
    assert.equal(owns.stage, 'component');
    assert.equal(owns.name, 'OwnsWidget');
    assert.equal(await owns.check(ctx(ada, { state: { owner: 'ada' } })), true);
    assert.equal(await owns.check(ctx(ada, { state: { owner: 'bob' } })), false);
    assert.equal(permission('Early', () => true, { stage: 'request' }).stage, 'request');
    assert.ok(Object.isFrozen(owns));
  });

  it('refuses a missing check function', () => {
    assert.throws(() => permission('Broken', undefined as never), /permission "Broken" needs a check function/);
  });
});

describe('all() and any()', () => {
  const yes = permission('Yes', () => true, { stage: 'request' });
  const no = permission('No', () => false, { stage: 'request' });
  const late = permission('Late', () => true);

  it('all() needs every part; any() needs one', async () => {
    assert.equal(await all(yes, yes).check(ctx(ada)), true);
    assert.equal(await all(yes, no).check(ctx(ada)), false);
    assert.equal(await all().check(ctx(ada)), true, 'all() of nothing allows, like an empty permissions list');
    assert.equal(await any(no, yes).check(ctx(ada)), true);
    assert.equal(await any(no, no).check(ctx(ada)), false);
    assert.throws(() => any(), /at least one permission/);
  });

  it('stops at the first answer that decides', async () => {
    const calls: string[] = [];
    const spy = (name: string, answer: boolean): Permission => permission(name, () => (calls.push(name), answer), { stage: 'request' });
    await all(spy('a', false), spy('b', true)).check(ctx(ada));
    await any(spy('c', true), spy('d', false)).check(ctx(ada));
    assert.deepEqual(calls, ['a', 'c']);
  });

  it('runs at the request stage only when every part needs only the user', () => {
    assert.equal(all(yes, IsAuthenticated).stage, 'request');
    assert.equal(any(yes, IsStaff).stage, 'request');
    assert.equal(all(yes, late).stage, 'component');
    assert.equal(any(late, yes).stage, 'component');
    assert.equal(all(any(yes, late), yes).stage, 'component', 'nested combinations carry the stage up');
  });

  it('refuses a part that is not a permission when written, not on a request', () => {
    // Inside all()/any() the start-up check of `static permissions` sees only the combination.
    assert.throws(() => all(IsAuthenticated, 'IsStaff' as never), /all\(\)\[1\] is not a permission/);
    assert.throws(() => any(undefined as never), /any\(\)\[0\] is not a permission/);
  });

  it('names its parts', () => {
    assert.equal(all(IsAuthenticated, hasRole('a')).name, 'all(IsAuthenticated, hasRole(a))');
    assert.equal(any(IsStaff, yes).name, 'any(IsStaff, Yes)');
  });
});

describe('checkPermissions()', () => {
  it('accepts a list of permissions, and nothing as none', () => {
    assert.deepEqual(checkPermissions(undefined, 'X'), []);
    const list = [IsAuthenticated, hasRole('a')];
    assert.equal(checkPermissions(list, 'X'), list);
  });

  it('refuses a single permission, a non-permission entry or a bad stage, naming the place', () => {
    assert.throws(() => checkPermissions(IsAuthenticated, 'cart: static permissions'), /cart: static permissions must be an array of permissions/);
    assert.throws(() => checkPermissions([IsAuthenticated, 'IsStaff'], 'cart: static permissions'), /cart: static permissions\[1\] is not a permission/);
    assert.throws(() => checkPermissions([null], 'X'), /X\[0\] is not a permission/);
    assert.throws(() => checkPermissions([{ name: 'n', stage: 'request' }], 'X'), /X\[0\] is not a permission/);
    assert.throws(() => checkPermissions([{ name: 'n', stage: 'later', check: () => true }], 'X'), /X\[0\] is not a permission/);
    assert.throws(() => checkPermissions([() => true], 'X'), /X\[0\] is not a permission/);
  });
});

describe('enforce()', () => {
  const no = permission('Never', () => false, { stage: 'request' });
  const lateNo = permission('LateNever', () => false);

  it('runs only the permissions of the stage asked for', async () => {
    await enforce([lateNo], 'request', ctx(ada));
    await enforce([no], 'component', ctx(ada));
    await assert.rejects(enforce([lateNo], 'component', ctx(ada)), isWeftError(403, 'forbidden'));
  });

  it('refuses with 401 "Authentication required" when there is no user', async () => {
    for (const user of [undefined, null]) {
      await assert.rejects(enforce([IsAuthenticated], 'request', ctx(user)), (err: unknown) => {
        assert.ok(err instanceof WeftError);
        assert.equal(err.status, 401);
        assert.equal(err.code, 'unauthenticated');
        assert.equal(err.message, 'Authentication required');
        assert.deepEqual(err.toJSON(), { error: 'Authentication required', code: 'unauthenticated' });
        return true;
      });
    }
    // Any permission, not only IsAuthenticated: an anonymous request is asked to sign in first.
    await assert.rejects(enforce([IsStaff], 'request', ctx()), isWeftError(401, 'unauthenticated'));
  });

  it('refuses with 403 forbidden when there is a user, naming the permission and the event', async () => {
    await assert.rejects(enforce([IsAuthenticated, IsStaff], 'request', ctx(ada)), (err: unknown) => {
      assert.ok(err instanceof WeftError);
      assert.equal(err.status, 403);
      assert.equal(err.code, 'forbidden');
      assert.equal(err.message, 'Permission denied: component "widget" requires IsStaff');
      assert.deepEqual(err.details, { permission: 'IsStaff' });
      return true;
    });
    await assert.rejects(enforce([IsStaff], 'request', ctx(ada, { event: 'refund' })), /event "refund" of component "widget" requires IsStaff/);
  });

  it('stops at the first refusal', async () => {
    let later = 0;
    const counted = permission('Counted', () => (later++, true), { stage: 'request' });
    await assert.rejects(enforce([no, counted], 'request', ctx(ada)), isWeftError(403, 'forbidden'));
    assert.equal(later, 0);
    await enforce([counted, AllowAny], 'request', ctx(ada));
    assert.equal(later, 1);
  });

  it('lets a WeftError thrown by a check through as it is', async () => {
    const teapot = permission('Teapot', () => {
      throw new WeftError(418, 'forbidden', 'short and stout', { spout: true });
    });
    await assert.rejects(enforce([teapot], 'component', ctx(ada)), (err: unknown) => {
      assert.ok(err instanceof WeftError);
      assert.deepEqual([err.status, err.message, err.details], [418, 'short and stout', { spout: true }]);
      return true;
    });
    // Even for an anonymous request: the check's own answer wins over the 401.
    await assert.rejects(enforce([teapot], 'component', ctx()), isWeftError(418, 'forbidden'));
  });

  it('awaits async checks', async () => {
    const slow = permission('Slow', () => new Promise<boolean>((r) => setTimeout(() => r(false), 5)), { stage: 'request' });
    await assert.rejects(enforce([slow], 'request', ctx(ada)), isWeftError(403, 'forbidden'));
  });
});
