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
export { BOOTSTRAP_ID, type TokenInfo, TokenStore } from './tokens.js';
