/**
 * @module
 * Throttles clients that keep sending state blobs with bad signatures: someone
 * guessing at a secret or fuzzing the endpoint. After `points` failures within
 * `durationSeconds`, that client's further bad blobs get 429 with `Retry-After`
 * until the window ends (Livewire does the same: 10 checksum failures per IP in
 * 600 s).
 *
 * Only requests whose blob failed are ever refused here. Many users can share
 * one address (an office, a mobile carrier's NAT, a proxy that was not
 * configured): one of them sending forged blobs must not lock the others out,
 * so a request whose blob verifies is always served.
 *
 * Clients are counted by {@link clientKey}: an IPv6 client by its /64, so
 * rotating through the addresses it was given does not reset the count.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { WeftError } from '../core/errors.js';
import { clientKey } from './client-address.js';

export interface SignatureThrottleOptions {
  points: number;
  durationSeconds: number;
}

export class SignatureThrottle {
  readonly #limiter: RateLimiterMemory;

  constructor(options: SignatureThrottleOptions) {
    this.#limiter = new RateLimiterMemory({
      keyPrefix: 'weft-sig',
      points: options.points,
      duration: options.durationSeconds,
    });
  }

  /**
   * Counts one bad blob from the client at `address`. Resolves while the client
   * is within its allowance (the caller then refuses the blob as usual) and
   * rejects with 429 `throttled` once it is past it.
   */
  async failed(address: string): Promise<void> {
    try {
      await this.#limiter.consume(clientKey(address));
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      throw tooMany(err);
    }
  }
}

function tooMany(res: RateLimiterRes): WeftError {
  const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return new WeftError(
    429,
    'throttled',
    `too many requests with invalid state signatures; retry in ${retryAfter}s`,
    { retryAfter },
    { 'retry-after': String(retryAfter) },
  );
}
