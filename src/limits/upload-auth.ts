/** Who may write masters: a bearer token (the `UPLOAD_TOKEN` secret), compared in constant time. Reads stay public. */
import type { MiddlewareHandler } from 'hono';
import { timingSafeEqual } from 'hono/utils/buffer';
import type { AppEnv } from '../app-env.js';
import { ImageError } from '../http/problem.js';

const REALM = 'masters';

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, RFC 9110 §11.1), else null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header ?? '');
  return match ? match[1]! : null;
}

/** Whether the request carries the upload token (operators' tools are exempt from transform quotas). */
export async function carriesUploadToken(expected: string | null, header: string | undefined): Promise<boolean> {
  const presented = bearerToken(header);
  return expected !== null && presented !== null && (await timingSafeEqual(expected, presented));
}

/**
 * Lets a request through only with the upload token. Missing or not a bearer credential → 401, a wrong token → 403,
 * both with the same `WWW-Authenticate` challenge and detail so that neither says which part was wrong. With no
 * token configured every write is refused (503): an unset secret never opens the API.
 *
 * @example app.put('/masters/*', requireUploadToken(), putHandler)
 */
export function requireUploadToken(): MiddlewareHandler<AppEnv> {
  return async function uploadAuth(c, next) {
    const expected = c.get('config').uploadToken;
    if (expected === null) {
      throw new ImageError(503, 'uploads-disabled', 'writing masters is disabled: the UPLOAD_TOKEN secret is not set on this deployment');
    }
    const challenge = { 'WWW-Authenticate': `Bearer realm="${REALM}"` };
    const presented = bearerToken(c.req.header('Authorization'));
    if (presented === null) {
      throw new ImageError(401, 'unauthorized', 'writing masters needs Authorization: Bearer <upload token>', challenge);
    }
    // Hono's helper hashes both sides first, so neither the length nor a common prefix of the token leaks in timing.
    if (!(await timingSafeEqual(expected, presented))) {
      throw new ImageError(403, 'forbidden', 'these credentials may not write masters', {
        'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_token"`,
      });
    }
    await next();
  };
}
