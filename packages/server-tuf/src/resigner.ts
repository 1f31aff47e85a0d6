import { hasErrorCode } from '@signet/core';
import type { Clock, Published, RoleExpiry, TufRepository } from '@signet/tuf';

/** Where the re-signer reports; fastify's (pino) logger fits. */
export interface ResignerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Options of {@link TufResigner}. */
export interface TufResignerOptions {
  readonly repository: TufRepository;
  readonly log: ResignerLog;
  readonly clock?: Clock;
  /** How often to check, in ms (default 10 minutes). */
  readonly intervalMs?: number;
  /** How often the same expiry warning is repeated, in ms of clock time (default 6 hours). */
  readonly warnEveryMs?: number;
}

/** The outcome of one check. */
export interface ResignerTick {
  readonly published: Published;
  readonly warnings: RoleExpiry[];
}

/**
 * Keeps the online roles alive: on a timer, re-signs timestamp and snapshot before they expire
 * (the repository decides when: at half-life), and warns — long before — about every role
 * that will expire, above all root and targets, which need the offline keys.
 */
export class TufResigner {
  readonly #repo: TufRepository;
  readonly #log: ResignerLog;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #warnEveryMs: number;
  readonly #lastWarned = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: TufResignerOptions) {
    this.#repo = options.repository;
    this.#log = options.log;
    this.#clock = options.clock ?? (() => new Date());
    this.#intervalMs = options.intervalMs ?? 10 * 60 * 1000;
    this.#warnEveryMs = options.warnEveryMs ?? 6 * 3600 * 1000;
  }

  /** Runs one check now: re-sign what is due, log warnings. Never throws. */
  tick(): ResignerTick {
    const now = this.#clock();
    let published: Published = {};
    try {
      published = this.#repo.resignExpiring(now);
      if (Object.keys(published).length > 0) this.#log.info({ published }, 'TUF: re-signed online metadata');
    } catch (err) {
      // An operator's `signet tuf` command holds the lock: try again at the next tick.
      if (hasErrorCode(err, 'ERR_TUF_LOCKED')) this.#log.info({ err }, 'TUF: repository busy, re-signing later');
      else this.#log.error({ err }, 'TUF: re-signing failed');
    }
    let warnings: RoleExpiry[] = [];
    try {
      warnings = this.#repo.expiryWarnings(now);
    } catch (err) {
      this.#log.error({ err }, 'TUF: cannot read repository metadata');
    }
    for (const w of warnings) {
      const key = `${w.role}@${w.version}@${w.expired}`;
      const last = this.#lastWarned.get(key);
      if (last !== undefined && now.getTime() - last < this.#warnEveryMs) continue;
      this.#lastWarned.set(key, now.getTime());
      const fix = w.online ? 'check that the service can write the repository and read online-keys/' : w.role === 'root' ? 'run signet tuf rotate-root' : 'run signet tuf publish (or add-target) with the offline keys';
      this.#log.warn(
        { role: w.role, version: w.version, expires: w.expires.toISOString(), remainingHours: Math.round(w.remainingMs / 36e5) },
        w.expired ? `TUF: ${w.role}.json v${w.version} EXPIRED at ${w.expires.toISOString()}: clients reject the repository; ${fix}` : `TUF: ${w.role}.json v${w.version} expires at ${w.expires.toISOString()}; ${fix}`,
      );
    }
    return { published, warnings };
  }

  /** Checks now and then every interval; the timer does not keep the process alive. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.tick();
    this.#timer = setInterval(() => this.tick(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
