export { type AuditEntry, AuditLog } from './audit.js';
export { type Access, installAuthGuard } from './guard.js';
export {
  canRead,
  canWrite,
  type Principal,
  type Role,
  roleSchema,
  tokenScopeSchema,
  visibleFactories,
} from './principal.js';
export { redactUrl } from './redact.js';
export { MIN_TOKEN_BITS, tokenWeakness } from './strength.js';
export { BOOTSTRAP_ID, DEFAULT_TOKEN_TTL_MS, type TokenInfo, TokenStore } from './tokens.js';
