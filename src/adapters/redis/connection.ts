/**
 * @module
 * What every Redis-backed part of Weft does with a connection it opened itself.
 */
import type { Redis } from 'ioredis';

/**
 * Closes a connection Weft opened: politely (QUIT) when it is up, at once when
 * it is not (QUIT would wait for a reconnect that may never come).
 */
export async function quit(connection: Redis): Promise<void> {
  if (connection.status === 'end') return;
  if (connection.status !== 'ready') {
    connection.disconnect();
    return;
  }
  try {
    await connection.quit();
  } catch {
    connection.disconnect();
  }
}
