/**
 * What the storefront's browser tests read from a page: the cart's items, and
 * whether the page's live socket is connected.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { WAIT_MS } from './harness.js';

export const CART = '[weft="cart"]';

/** The cart's lines as a shopper reads them ("Merino Scarf (M) × 1 — $29.99"). */
export async function cartItems(page: Page): Promise<string[]> {
  const texts = await page.locator(`${CART} ul.items > li`).allInnerTexts();
  return texts.map((t) => t.replace(/\+|Remove/g, '').replace(/\s+/g, ' ').trim());
}

/** Waits until the cart shows exactly `expected`, else fails showing what it shows. */
export async function waitForItems(page: Page, expected: string[], timeout = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeout;
  let last: string[] = [];
  while (Date.now() < deadline) {
    last = await cartItems(page);
    if (JSON.stringify(last) === JSON.stringify(expected)) return;
    await page.waitForTimeout(25);
  }
  assert.deepEqual(last, expected);
}

/** Waits until the page's live socket is connected (the class on `<html>`). */
export async function connected(page: Page, timeout = WAIT_MS): Promise<void> {
  await page.waitForFunction(() => document.documentElement.classList.contains('weft-connected'), undefined, { timeout });
}
