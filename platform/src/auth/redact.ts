/**
 * The one redaction helper for anything logged or served: the userinfo of every URL in a text
 * (`mqtt://user:pass@host` → `mqtt://***@host`) and the values of query parameters that carry secrets
 * (`?password=…`, `?token=…`). Whole-text, so a driver's error message that quotes a URL is covered too.
 */
const USERINFO_RE = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@]*@)/gi;
const SECRET_QUERY_RE = /([?&](?:password|passwd|pwd|token|secret|apikey|api_key|access_token|p)=)[^&#\s]*/gi;

export const REDACTED = '***';

export function redactUrl(text: string): string {
  return text.replace(USERINFO_RE, `$1${REDACTED}@`).replace(SECRET_QUERY_RE, `$1${REDACTED}`);
}

/**
 * pino `redact` paths for the platform logger: an HTTP client's error may carry its request and response
 * objects — the `influx` client's RequestError does, and its request's raw header text holds
 * `Authorization: Basic base64(user:password)` — which pino's error serializer would copy into the log line.
 */
export const LOG_REDACT_PATHS = [
  'err.req',
  'err.res',
  'err.request',
  'err.response',
  'err.config',
  'err.cause.req',
  'err.cause.res',
  'err.cause.request',
  'err.cause.response',
];
