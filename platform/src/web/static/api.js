/**
 * The API client: same-origin fetch with the Bearer token kept in localStorage, and RFC 9457 problem+json
 * errors turned into an ApiError that carries the server's `detail` (what the user is shown).
 */
const TOKEN_KEY = 'xiang.token';
export const API = '/api/v1';

export class ApiError extends Error {
  constructor(status, title, detail, problem) {
    super(detail || title);
    this.name = 'ApiError';
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.problem = problem ?? null;
  }
}

function storage() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export function getToken() {
  return storage()?.getItem(TOKEN_KEY) ?? null;
}
export function setToken(token) {
  storage()?.setItem(TOKEN_KEY, token);
}
export function clearToken() {
  storage()?.removeItem(TOKEN_KEY);
}

/** `{ series: ['a','b'], from: 1 }` → `series=a&series=b&from=1`; undefined/null skipped. */
export function queryString(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v === undefined || v === null) continue;
    for (const item of Array.isArray(v) ? v : [v]) q.append(k, String(item));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function problemOf(res) {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    if (body && typeof body === 'object') {
      return new ApiError(res.status, body.title ?? res.statusText, body.detail ?? text, body);
    }
  } catch {
    // not JSON (a proxy's HTML page): show the status line and the start of the text
  }
  return new ApiError(res.status, res.statusText, text.slice(0, 300) || res.statusText);
}

/**
 * One request: JSON body when given; resolves with JSON, or text when `accept` is a text type; `token`
 * defaults to the stored one. Throws ApiError (status 0 = network) carrying the server's problem+json detail.
 */
async function request(
  path,
  { method = 'GET', body, accept = 'application/json', token = getToken(), signal } = {},
) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: {
        accept,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal,
    });
  } catch (e) {
    if (e?.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', e?.message ?? String(e));
  }
  if (!res.ok) throw await problemOf(res);
  return accept.startsWith('text/') ? res.text() : res.json();
}

/** GET a JSON resource with query parameters; `token` defaults to the stored one. */
export function apiGet(path, params, { token, signal } = {}) {
  return request(path + queryString(params), { token, signal });
}

/** Any method with an optional JSON body, as the stored token (the console's writes and report downloads). */
export function apiCall(method, path, body, accept = 'application/json') {
  return request(path, { method, body, accept });
}

/** Trades a one-time sign-in link's code (`#once=…`, printed by npm start) for the token it stands for. */
export async function redeemSignInLink(code) {
  const body = await request('/console/signin-link', { method: 'POST', body: { code }, token: null });
  return String(body.token);
}

/** Like apiGet, but a 404 resolves to null (for endpoints that may not exist on this platform version). */
export async function apiGetOptional(path, params, opts) {
  try {
    return await apiGet(path, params, opts);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

export const factoryPath = (factoryId, rest = '') =>
  `${API}/factories/${encodeURIComponent(factoryId)}${rest}`;
