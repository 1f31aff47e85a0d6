import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The user's cache directory (XDG Base Directory): `$XDG_CACHE_HOME` when set and not empty,
 * else `~/.cache`. Signet keeps its caches in `signet/` below it.
 */
export function userCacheHome(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env['XDG_CACHE_HOME'];
  return xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache');
}
