/**
 * `@signet/server-tuf`: serves a `@signet/tuf` repository over HTTP (read-only, Sigstore's
 * layout, cache headers) and re-signs its online metadata before it expires.
 */
export { createTufServer, type TufServer, type TufServerOptions } from './server.js';
export { TufResigner, type TufResignerOptions, type ResignerLog, type ResignerTick } from './resigner.js';
