import type { User } from './notes.js';

// Stands in for your session middleware: a cookie `user=<name>` is the login.
export function userFrom(cookie: string | undefined): User | undefined {
  const name = /(?:^|;\s*)user=(\w+)/.exec(cookie ?? '')?.[1];
  return name ? { name } : undefined;
}
