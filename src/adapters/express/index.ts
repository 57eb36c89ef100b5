/**
 * @module
 * Weft as Express middleware. Requests no Weft route matches go to `next()`.
 * Mount it before body parsers, or after them: a body `express.json()` already
 * parsed is re-serialised and goes through the same limits.
 *
 * @example
 * import express from 'express';
 * import { weft as weftMiddleware } from 'weft/express';
 * app.use(weftMiddleware(weft, { locals: (req, res) => ({ user: req.user }) }));
 */
import type { NextFunction, Request, Response } from 'express';
import type { Weft } from '../../core/app.js';
import { WeftError } from '../../core/errors.js';
import { createHttpHandler } from '../../transport/http.js';
import { readNodeBody, toHttpRequest, writeResponse } from '../node/index.js';

export interface ExpressOptions {
  /** Values passed to components as `context.locals`. Default: `res.locals`. */
  locals?: (req: Request, res: Response) => Record<string, unknown>;
}

function bodyReader(req: Request) {
  return async (limit: number): Promise<string> => {
    const parsed: unknown = req.body;
    if (parsed === undefined || req.readable) return readNodeBody(req, limit);
    const text = typeof parsed === 'string' ? parsed : Buffer.isBuffer(parsed) ? parsed.toString('utf8') : JSON.stringify(parsed);
    if (Buffer.byteLength(text) > limit) {
      throw new WeftError(413, 'too_large', `request body is over the ${limit}-byte limit`, { limit });
    }
    return text;
  };
}

export function weft(app: Weft, options: ExpressOptions = {}) {
  const handle = createHttpHandler(app);
  return (req: Request, res: Response, next: NextFunction): void => {
    const locals = options.locals?.(req, res) ?? (res.locals as Record<string, unknown>);
    handle(toHttpRequest(req, req.ip ?? req.socket.remoteAddress ?? '', locals, bodyReader(req))).then((response) => {
      if (response) writeResponse(res, response);
      else next();
    }, next);
  };
}
