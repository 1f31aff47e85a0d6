import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MetaFile, Metadata, MetadataKind, Root, Snapshot, TargetFile, Targets, Timestamp } from '@tufjs/models';
import { parseSigningConfig, parseTrustedRoot } from '@signet/bundle';
import { TufError } from './errors.js';
import { writeFileAtomic, withLock } from './files.js';
import { generateSigningKey, readKeyDir, signerFor, writeKeyFile, type TufKeyType, type TufSigningKey } from './keys.js';

/** The four top-level TUF roles (TUF 1.0 §2.1). */
export type RoleName = 'root' | 'targets' | 'snapshot' | 'timestamp';

/** The roles whose keys stay with the service, which re-signs them unattended. */
export const ONLINE_ROLES: readonly RoleName[] = ['snapshot', 'timestamp'];

/** Returns the current time; injected so that tests can move it. */
export type Clock = () => Date;

/** Lifetime of each role's metadata, in milliseconds. */
export type Expirations = Record<RoleName, number>;

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

/** Sigstore-like lifetimes: root 1 year, targets 3 months, snapshot 1 week, timestamp 1 day. */
export const DEFAULT_EXPIRATIONS: Readonly<Expirations> = { root: 365 * DAY, targets: 90 * DAY, snapshot: 7 * DAY, timestamp: DAY };

/** The target names a Sigstore client looks for. */
export const TRUSTED_ROOT_TARGET = 'trusted_root.json';
export const SIGNING_CONFIG_TARGET = 'signing_config.v0.2.json';

const SPEC_VERSION = '1.0.31';
/** Target names are flat file names: no directories, nothing a path could escape with. */
const TARGET_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/;

/** A file published as a TUF target. */
export interface TargetInput {
  readonly name: string;
  readonly content: Uint8Array;
}

/** How many keys a role has and how many must sign. */
export interface RoleKeyPolicy {
  readonly keys: number;
  readonly threshold: number;
}

/** Options of {@link TufRepository.init}. */
export interface InitRepositoryOptions {
  /** Where the offline root and targets keys are written; default `<dir>/keys`. */
  readonly keysDir?: string;
  readonly targets?: readonly TargetInput[];
  readonly keyType?: TufKeyType;
  readonly expirations?: Partial<Expirations>;
  /** Key counts and thresholds per role; default 1 of 1 each. */
  readonly roles?: Partial<Record<RoleName, RoleKeyPolicy>>;
  readonly clock?: Clock;
}

/** The expiry of one role's current metadata. */
export interface RoleExpiry {
  readonly role: RoleName;
  readonly version: number;
  readonly expires: Date;
  /** Milliseconds left (negative once expired). */
  readonly remainingMs: number;
  /** How long before expiry a warning is due. */
  readonly warnWithinMs: number;
  readonly warn: boolean;
  readonly expired: boolean;
  /** Whether the service re-signs it (snapshot, timestamp) or an operator must (root, targets). */
  readonly online: boolean;
}

/** What one write changed: the new version of each role that was re-signed. */
export type Published = Partial<Record<RoleName, number>>;

interface Config {
  readonly expirations: Expirations;
  readonly keyType: TufKeyType;
}

interface State {
  root: Metadata<Root>;
  targets: Metadata<Targets>;
  snapshot: Metadata<Snapshot>;
  timestamp: Metadata<Timestamp>;
}

/**
 * Default warning windows: offline roles (root, targets) 30 days ahead — a human has to gather
 * keys; online roles when a quarter of their lifetime is left, that is, after the re-signer
 * (which acts at half-life) has missed its chance.
 */
export function defaultWarnWithin(expirations: Expirations): Record<RoleName, number> {
  return {
    root: Math.min(30 * DAY, expirations.root / 2),
    targets: Math.min(30 * DAY, expirations.targets / 2),
    snapshot: expirations.snapshot / 4,
    timestamp: expirations.timestamp / 4,
  };
}

/** TUF `expires`: RFC 3339 UTC without fractions (TUF 1.0 §4.2). */
function expiresAt(now: Date, lifetimeMs: number): string {
  return new Date(now.getTime() + lifetimeMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function encodeMetadata(md: Metadata<Root | Targets | Snapshot | Timestamp>): Buffer {
  return Buffer.from(`${JSON.stringify(md.toJSON(), null, 2)}\n`);
}

/**
 * A TUF repository on disk, laid out as Sigstore's public repository is served (consistent
 * snapshots, TUF 1.0 §6.2):
 *
 * ```
 * <dir>/config.json          lifetimes and key type
 * <dir>/root.json            the newest root, to hand to new clients
 * <dir>/metadata/            N.root.json (every version), N.targets.json, N.snapshot.json, timestamp.json
 * <dir>/targets/             <sha256>.<name>
 * <dir>/online-keys/         snapshot and timestamp private keys (0600), used by the service
 * <keysDir>                  root and targets private keys (0600), kept offline
 * ```
 * Every write takes `<dir>/.lock` and writes files by rename, targets and versioned metadata
 * first and `timestamp.json` last, so a reader never sees a timestamp naming a missing file.
 */
export class TufRepository {
  readonly dir: string;
  readonly metadataDir: string;
  readonly targetsDir: string;
  readonly onlineKeysDir: string;
  readonly expirations: Readonly<Expirations>;
  readonly keyType: TufKeyType;
  readonly #clock: Clock;

  private constructor(dir: string, config: Config, clock: Clock) {
    this.dir = dir;
    this.metadataDir = join(dir, 'metadata');
    this.targetsDir = join(dir, 'targets');
    this.onlineKeysDir = join(dir, 'online-keys');
    this.expirations = config.expirations;
    this.keyType = config.keyType;
    this.#clock = clock;
  }

  /** True when `dir` holds a repository. */
  static exists(dir: string): boolean {
    return existsSync(join(dir, 'config.json')) && existsSync(join(dir, 'metadata', '1.root.json'));
  }

  /**
   * Creates a repository: generates the role keys (root and targets into `keysDir`, snapshot and
   * timestamp into `<dir>/online-keys`) and writes version 1 of every role.
   * @throws TufError `ERR_TUF_EXISTS` when `dir` already holds one; `ERR_TUF_TARGET_NAME` for a bad target name.
   * @throws BundleError when a `trusted_root.json` or signing config target does not parse.
   */
  static init(dir: string, options: InitRepositoryOptions = {}): TufRepository {
    if (existsSync(join(dir, 'config.json')) || existsSync(join(dir, 'metadata'))) {
      throw new TufError('ERR_TUF_EXISTS', `${dir} already holds a TUF repository`);
    }
    const expirations: Expirations = { ...DEFAULT_EXPIRATIONS, ...options.expirations };
    for (const [role, ms] of Object.entries(expirations)) {
      if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`expiration of ${role} must be a positive number of milliseconds`);
    }
    const keyType = options.keyType ?? 'ecdsa-sha2-nistp256';
    const clock = options.clock ?? (() => new Date());
    const targets = options.targets ?? [];
    for (const t of targets) checkTarget(t);
    const keysDir = options.keysDir ?? join(dir, 'keys');

    mkdirSync(join(dir, 'metadata'), { recursive: true });
    mkdirSync(join(dir, 'targets'), { recursive: true });
    writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify({ expirations, keyType }, null, 2)}\n`);
    const repo = new TufRepository(dir, { expirations, keyType }, clock);

    return withLock(dir, () => {
      const now = clock();
      const keys: TufSigningKey[] = [];
      const roles: Record<string, { keyids: string[]; threshold: number }> = {};
      const keyMap: Record<string, unknown> = {};
      for (const role of ['root', 'targets', 'snapshot', 'timestamp'] as const) {
        const policy = options.roles?.[role] ?? { keys: 1, threshold: 1 };
        checkPolicy(role, policy);
        const roleKeys = Array.from({ length: policy.keys }, () => generateSigningKey(keyType));
        for (const k of roleKeys) {
          writeKeyFile(ONLINE_ROLES.includes(role) ? repo.onlineKeysDir : keysDir, role, k);
          keyMap[k.keyID] = k.publicKey.toJSON();
          keys.push(k);
        }
        roles[role] = { keyids: roleKeys.map((k) => k.keyID), threshold: policy.threshold };
      }
      const root = new Metadata(
        Root.fromJSON({
          _type: 'root',
          spec_version: SPEC_VERSION,
          version: 1,
          expires: expiresAt(now, expirations.root),
          consistent_snapshot: true,
          keys: keyMap,
          roles,
        } as never),
      );
      signRole(root, 'root', root.signed, keys);
      const rootBytes = encodeMetadata(root);
      writeFileAtomic(join(repo.metadataDir, '1.root.json'), rootBytes);
      writeFileAtomic(join(dir, 'root.json'), rootBytes);

      const files: Record<string, TargetFile> = {};
      for (const t of targets) files[t.name] = repo.#storeTarget(t);
      const targetsMd = new Metadata(new Targets({ version: 1, specVersion: SPEC_VERSION, expires: expiresAt(now, expirations.targets), targets: files }));
      repo.#writeTargets(targetsMd, root.signed, keys);
      repo.#writeSnapshotAndTimestamp(root.signed, 1, 1, targetsMd, now, keys);
      return repo;
    });
  }

  /**
   * Opens an existing repository.
   * @throws TufError `ERR_TUF_NOT_FOUND` when `dir` holds none; `ERR_TUF_METADATA` for a broken config.
   */
  static open(dir: string, options: { clock?: Clock } = {}): TufRepository {
    if (!TufRepository.exists(dir)) throw new TufError('ERR_TUF_NOT_FOUND', `no TUF repository in ${dir} (run signet tuf init)`);
    let config: Config;
    try {
      const raw = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { expirations?: Partial<Expirations>; keyType?: TufKeyType };
      config = { expirations: { ...DEFAULT_EXPIRATIONS, ...raw.expirations }, keyType: raw.keyType === 'ed25519' ? 'ed25519' : 'ecdsa-sha2-nistp256' };
    } catch (cause) {
      throw new TufError('ERR_TUF_METADATA', `cannot read ${join(dir, 'config.json')}: ${(cause as Error).message}`, { cause });
    }
    return new TufRepository(dir, config, options.clock ?? (() => new Date()));
  }

  /** The newest root metadata, as a client should be given it. */
  rootJSON(): string {
    return readFileSync(join(this.metadataDir, `${this.#state().root.signed.version}.root.json`), 'utf8');
  }

  /** Current versions of every role. */
  versions(): Record<RoleName, number> {
    const s = this.#state();
    return { root: s.root.signed.version, targets: s.targets.signed.version, snapshot: s.snapshot.signed.version, timestamp: s.timestamp.signed.version };
  }

  /** Names and sha256 of the targets the current targets metadata lists. */
  listTargets(): { name: string; length: number; sha256: string }[] {
    const t = this.#state().targets.signed.targets;
    return Object.values(t).map((f) => ({ name: f.path, length: f.length, sha256: f.hashes['sha256'] ?? '' }));
  }

  /**
   * Adds or replaces targets: a new targets version signed with the offline targets keys from
   * `keysDir`, then snapshot and timestamp with the online keys.
   * @throws TufError `ERR_TUF_TARGET_NAME`, `ERR_TUF_KEY_MISSING`, `ERR_TUF_KEY`, `ERR_TUF_LOCKED`.
   * @throws BundleError when a `trusted_root.json` or signing config target does not parse.
   */
  addTargets(targets: readonly TargetInput[], options: { keysDir: string }): Published {
    for (const t of targets) checkTarget(t);
    return withLock(this.dir, () => {
      const s = this.#state();
      const now = this.#clock();
      const keys = [...readKeyDir(options.keysDir), ...readKeyDir(this.onlineKeysDir)];
      const files: Record<string, TargetFile> = { ...s.targets.signed.targets };
      for (const t of targets) files[t.name] = this.#storeTarget(t);
      return this.#publishTargets(s, files, now, keys);
    });
  }

  /**
   * Re-signs snapshot and timestamp as new versions with fresh expirations; with `keysDir`
   * holding the targets keys, also re-signs targets when it is inside its warning window.
   * @throws TufError `ERR_TUF_KEY_MISSING`, `ERR_TUF_KEY`, `ERR_TUF_LOCKED`.
   */
  publish(options: { keysDir?: string; resignTargets?: boolean } = {}): Published {
    return withLock(this.dir, () => {
      const s = this.#state();
      const now = this.#clock();
      const keys = [...(options.keysDir ? readKeyDir(options.keysDir) : []), ...readKeyDir(this.onlineKeysDir)];
      const targetsIds = new Set(s.root.signed.roles['targets']?.keyIDs ?? []);
      const due = new Date(s.targets.signed.expires).getTime() - now.getTime() <= defaultWarnWithin(this.expirations).targets;
      if (options.resignTargets === true || (due && keys.some((k) => targetsIds.has(k.keyID)))) {
        return this.#publishTargets(s, { ...s.targets.signed.targets }, now, keys);
      }
      return this.#writeSnapshotAndTimestamp(s.root.signed, s.snapshot.signed.version + 1, s.timestamp.signed.version + 1, s.targets, now, keys);
    });
  }

  /**
   * What the service calls on a timer: re-signs the timestamp (and the snapshot) when less than
   * half of its lifetime is left, with the online keys. Returns the versions written (none
   * when nothing was due).
   * @throws TufError `ERR_TUF_KEY_MISSING` when the online keys are gone; `ERR_TUF_LOCKED`.
   */
  resignExpiring(now: Date = this.#clock()): Published {
    const due = (role: 'snapshot' | 'timestamp', md: Metadata<Snapshot | Timestamp>): boolean =>
      new Date(md.signed.expires).getTime() - now.getTime() <= this.expirations[role] / 2;
    const before = this.#state();
    if (!due('snapshot', before.snapshot) && !due('timestamp', before.timestamp)) return {};
    return withLock(this.dir, () => {
      const s = this.#state();
      const keys = readKeyDir(this.onlineKeysDir);
      if (due('snapshot', s.snapshot)) {
        return this.#writeSnapshotAndTimestamp(s.root.signed, s.snapshot.signed.version + 1, s.timestamp.signed.version + 1, s.targets, now, keys);
      }
      if (due('timestamp', s.timestamp)) {
        const snapshotBytes = readFileSync(join(this.metadataDir, `${s.snapshot.signed.version}.snapshot.json`));
        return this.#writeTimestamp(s.root.signed, s.timestamp.signed.version + 1, s.snapshot.signed.version, snapshotBytes, now, keys);
      }
      return {};
    });
  }

  /**
   * Rotates the root (TUF 1.0 §6.1): writes version N+1, signed by a threshold of the version-N
   * root keys and by the new ones, keeping `N.root.json` for clients that follow the chain.
   * New root keys are generated into `keysDir` unless `keepKeys` (then only the expiry moves).
   * @throws TufError `ERR_TUF_KEY_MISSING` when `keysDir` lacks a threshold of the current root keys.
   */
  rotateRoot(options: { keysDir: string; keepKeys?: boolean; keys?: number; threshold?: number }): Published {
    return withLock(this.dir, () => {
      const s = this.#state();
      const now = this.#clock();
      const old = s.root.signed;
      const available = readKeyDir(options.keysDir);
      const oldRole = old.roles['root'];
      if (!oldRole) throw new TufError('ERR_TUF_METADATA', 'root metadata has no root role');
      const oldSigners = available.filter((k) => oldRole.keyIDs.includes(k.keyID));
      if (oldSigners.length < oldRole.threshold) {
        throw new TufError('ERR_TUF_KEY_MISSING', `rotating root v${old.version} needs ${oldRole.threshold} of its root keys; ${options.keysDir} holds ${oldSigners.length}`);
      }
      let newKeys: TufSigningKey[];
      let threshold: number;
      if (options.keepKeys === true) {
        newKeys = available.filter((k) => oldRole.keyIDs.includes(k.keyID));
        threshold = options.threshold ?? oldRole.threshold;
      } else {
        const policy = { keys: options.keys ?? oldRole.keyIDs.length, threshold: options.threshold ?? oldRole.threshold };
        checkPolicy('root', policy);
        newKeys = Array.from({ length: policy.keys }, () => generateSigningKey(this.keyType));
        for (const k of newKeys) writeKeyFile(options.keysDir, 'root', k);
        threshold = policy.threshold;
      }
      const rootIds = options.keepKeys === true ? oldRole.keyIDs : newKeys.map((k) => k.keyID);
      const keyMap: Record<string, unknown> = {};
      const roles: Record<string, unknown> = {};
      for (const [name, role] of Object.entries(old.roles)) {
        const ids = name === 'root' ? rootIds : role.keyIDs;
        roles[name] = { keyids: ids, threshold: name === 'root' ? threshold : role.threshold };
        for (const id of ids) {
          const k = old.keys[id] ?? newKeys.find((n) => n.keyID === id)?.publicKey;
          if (k) keyMap[id] = k.toJSON();
        }
      }
      const root = new Metadata(
        Root.fromJSON({
          _type: 'root',
          spec_version: SPEC_VERSION,
          version: old.version + 1,
          expires: expiresAt(now, this.expirations.root),
          consistent_snapshot: true,
          keys: keyMap,
          roles,
        } as never),
      );
      // Signed by the old root's keys (so clients trusting N accept N+1) and the new ones
      // (so N+1 is self-consistent): TUF 1.0 §5.3.4 and §5.3.5.
      const signers = [...oldSigners, ...newKeys.filter((k) => !oldRole.keyIDs.includes(k.keyID))];
      root.signatures = {};
      for (const k of signers) root.sign(signerFor(k), true);
      try {
        s.root.verifyDelegate('root', root);
        root.verifyDelegate('root', root);
      } catch (cause) {
        throw new TufError('ERR_TUF_KEY_MISSING', `new root v${root.signed.version} is not signed by a threshold of old and new root keys: ${(cause as Error).message}`, { cause });
      }
      const bytes = encodeMetadata(root);
      writeFileAtomic(join(this.metadataDir, `${root.signed.version}.root.json`), bytes);
      writeFileAtomic(join(this.dir, 'root.json'), bytes);
      return { root: root.signed.version };
    });
  }

  /** Expiry of every role's current metadata, at `now`. */
  expiryReport(now: Date = this.#clock(), warnWithin: Partial<Record<RoleName, number>> = {}): RoleExpiry[] {
    const s = this.#state();
    const windows = { ...defaultWarnWithin(this.expirations), ...warnWithin };
    return (['root', 'targets', 'snapshot', 'timestamp'] as const).map((role) => {
      const signed = s[role].signed;
      const expires = new Date(signed.expires);
      const remainingMs = expires.getTime() - now.getTime();
      return {
        role,
        version: signed.version,
        expires,
        remainingMs,
        warnWithinMs: windows[role],
        warn: remainingMs <= windows[role],
        expired: remainingMs <= 0,
        online: ONLINE_ROLES.includes(role),
      };
    });
  }

  /** The roles that expire within their warning window at `now` (or have expired). */
  expiryWarnings(now: Date = this.#clock(), warnWithin: Partial<Record<RoleName, number>> = {}): RoleExpiry[] {
    return this.expiryReport(now, warnWithin).filter((r) => r.warn);
  }

  #publishTargets(s: State, files: Record<string, TargetFile>, now: Date, keys: TufSigningKey[]): Published {
    const targets = new Metadata(
      new Targets({ version: s.targets.signed.version + 1, specVersion: SPEC_VERSION, expires: expiresAt(now, this.expirations.targets), targets: files }),
    );
    this.#writeTargets(targets, s.root.signed, keys);
    return { targets: targets.signed.version, ...this.#writeSnapshotAndTimestamp(s.root.signed, s.snapshot.signed.version + 1, s.timestamp.signed.version + 1, targets, now, keys) };
  }

  #storeTarget(t: TargetInput): TargetFile {
    const hex = sha256Hex(t.content);
    const path = join(this.targetsDir, `${hex}.${t.name}`);
    if (!existsSync(path)) writeFileAtomic(path, t.content);
    return new TargetFile({ path: t.name, length: t.content.byteLength, hashes: { sha256: hex } });
  }

  #writeTargets(md: Metadata<Targets>, root: Root, keys: TufSigningKey[]): void {
    signRole(md, 'targets', root, keys);
    writeFileAtomic(join(this.metadataDir, `${md.signed.version}.targets.json`), encodeMetadata(md));
  }

  #writeSnapshotAndTimestamp(root: Root, snapshotVersion: number, timestampVersion: number, targets: Metadata<Targets>, now: Date, keys: TufSigningKey[]): Published {
    const targetsBytes = readFileSync(join(this.metadataDir, `${targets.signed.version}.targets.json`));
    const snapshot = new Metadata(
      new Snapshot({
        version: snapshotVersion,
        specVersion: SPEC_VERSION,
        expires: expiresAt(now, this.expirations.snapshot),
        meta: { 'targets.json': new MetaFile({ version: targets.signed.version, length: targetsBytes.length, hashes: { sha256: sha256Hex(targetsBytes) } }) },
      }),
    );
    signRole(snapshot, 'snapshot', root, keys);
    const snapshotBytes = encodeMetadata(snapshot);
    writeFileAtomic(join(this.metadataDir, `${snapshotVersion}.snapshot.json`), snapshotBytes);
    return { snapshot: snapshotVersion, ...this.#writeTimestamp(root, timestampVersion, snapshotVersion, snapshotBytes, now, keys) };
  }

  #writeTimestamp(root: Root, version: number, snapshotVersion: number, snapshotBytes: Uint8Array, now: Date, keys: TufSigningKey[]): Published {
    const timestamp = new Metadata(
      new Timestamp({
        version,
        specVersion: SPEC_VERSION,
        expires: expiresAt(now, this.expirations.timestamp),
        snapshotMeta: new MetaFile({ version: snapshotVersion, length: snapshotBytes.byteLength, hashes: { sha256: sha256Hex(snapshotBytes) } }),
      }),
    );
    signRole(timestamp, 'timestamp', root, keys);
    // Last: the one unversioned file, which commits everything written before it.
    writeFileAtomic(join(this.metadataDir, 'timestamp.json'), encodeMetadata(timestamp));
    return { timestamp: version };
  }

  #state(): State {
    const root = this.#read(MetadataKind.Root, `${this.#rootVersion()}.root.json`);
    const timestamp = this.#read(MetadataKind.Timestamp, 'timestamp.json');
    const snapshot = this.#read(MetadataKind.Snapshot, `${timestamp.signed.snapshotMeta.version}.snapshot.json`);
    const targetsMeta = snapshot.signed.meta['targets.json'];
    if (!targetsMeta) throw new TufError('ERR_TUF_METADATA', 'snapshot lists no targets.json');
    const targets = this.#read(MetadataKind.Targets, `${targetsMeta.version}.targets.json`);
    return { root, targets, snapshot, timestamp };
  }

  #rootVersion(): number {
    let max = 0;
    for (const name of readdirSync(this.metadataDir)) {
      const m = /^([1-9][0-9]{0,8})\.root\.json$/.exec(name);
      if (m) max = Math.max(max, Number(m[1]));
    }
    if (max === 0) throw new TufError('ERR_TUF_NOT_FOUND', `no N.root.json in ${this.metadataDir}`);
    return max;
  }

  #read(kind: MetadataKind.Root, name: string): Metadata<Root>;
  #read(kind: MetadataKind.Timestamp, name: string): Metadata<Timestamp>;
  #read(kind: MetadataKind.Snapshot, name: string): Metadata<Snapshot>;
  #read(kind: MetadataKind.Targets, name: string): Metadata<Targets>;
  #read(kind: MetadataKind, name: string): Metadata<Root | Timestamp | Snapshot | Targets> {
    const path = join(this.metadataDir, name);
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(path, 'utf8'));
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'ERR_TUF_NOT_FOUND' : 'ERR_TUF_METADATA';
      throw new TufError(code, `cannot read ${path}: ${(cause as Error).message}`, { cause });
    }
    try {
      return Metadata.fromJSON(kind as MetadataKind.Root, data as never);
    } catch (cause) {
      throw new TufError('ERR_TUF_METADATA', `malformed ${kind} metadata in ${path}: ${(cause as Error).message}`, { cause });
    }
  }
}

function checkPolicy(role: RoleName, p: RoleKeyPolicy): void {
  if (!Number.isInteger(p.keys) || !Number.isInteger(p.threshold) || p.threshold < 1 || p.keys < p.threshold || p.keys > 16) {
    throw new RangeError(`${role}: need 1 ≤ threshold ≤ keys ≤ 16, got ${p.threshold} of ${p.keys}`);
  }
}

function checkTarget(t: TargetInput): void {
  if (!TARGET_NAME_RE.test(t.name)) {
    throw new TufError('ERR_TUF_TARGET_NAME', `target name ${JSON.stringify(t.name)} must be a plain file name ([A-Za-z0-9._+-], no directories)`);
  }
  // Refuse to publish trust material clients would then reject.
  if (t.name === TRUSTED_ROOT_TARGET) parseTrustedRoot(t.content);
  if (t.name === SIGNING_CONFIG_TARGET) parseSigningConfig(t.content);
}

/** Signs `md` with every available key of `role`; at least the threshold must be there. */
function signRole(md: Metadata<Root | Targets | Snapshot | Timestamp>, role: RoleName, root: Root, keys: readonly TufSigningKey[]): void {
  const spec = root.roles[role];
  if (!spec) throw new TufError('ERR_TUF_METADATA', `root metadata has no ${role} role`);
  const seen = new Set<string>();
  const signers = keys.filter((k) => spec.keyIDs.includes(k.keyID) && !seen.has(k.keyID) && seen.add(k.keyID));
  if (signers.length < spec.threshold) {
    throw new TufError('ERR_TUF_KEY_MISSING', `signing ${role} needs ${spec.threshold} of its keys (${spec.keyIDs.map((id) => id.slice(0, 16)).join(', ')}); found ${signers.length}`);
  }
  md.signatures = {};
  for (const k of signers) md.sign(signerFor(k), true);
}
