/** Errors as values with an HTTP status, turned into RFC 9457 problem+json in one place. */

export class ImageError extends Error {
  constructor(
    readonly status: number,
    /** A short slug, also the last segment of the problem `type` URI. */
    readonly code: string,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'ImageError';
  }
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  508: 'Loop Detected',
};

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
}

export function problemBody(error: ImageError): ProblemBody {
  return {
    type: `urn:edge-image-worker:problem:${error.code}`,
    title: titles[error.status] ?? 'Error',
    status: error.status,
    detail: error.detail,
  };
}

/** A problem+json response; never cached by shared caches. */
export function problemResponse(error: ImageError, init: { head?: boolean } = {}): Response {
  const headers = new Headers(error.headers);
  headers.set('Content-Type', 'application/problem+json');
  headers.set('Cache-Control', 'no-store');
  return new Response(init.head ? null : JSON.stringify(problemBody(error)), { status: error.status, headers });
}
