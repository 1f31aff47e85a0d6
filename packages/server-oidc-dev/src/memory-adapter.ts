/**
 * An in-memory oidc-provider adapter owned by one issuer instance. oidc-provider's own quick-start
 * adapter keeps one process-wide store; two development issuers in one test process would share it.
 */

interface Stored {
  payload: Record<string, unknown>;
  expiresAt: number;
}

/** The storage of one development issuer: model name → id → payload, plus secondary indexes. */
export class MemoryStore {
  readonly records = new Map<string, Stored>();
  readonly uids = new Map<string, string>();
  readonly userCodes = new Map<string, string>();
  readonly grants = new Map<string, Set<string>>();

  /** Drops expired records (a long-running dev server would otherwise only grow). */
  sweep(): void {
    const now = Date.now();
    for (const [key, r] of this.records) if (r.expiresAt <= now) this.records.delete(key);
  }

  /** A factory in the shape oidc-provider's `adapter` option expects. */
  adapterFactory(): (model: string) => MemoryAdapter {
    return (model: string) => new MemoryAdapter(model, this);
  }
}

/** oidc-provider adapter interface over a {@link MemoryStore}. */
export class MemoryAdapter {
  constructor(
    private readonly model: string,
    private readonly store: MemoryStore,
  ) {}

  #key(id: string): string {
    return `${this.model}:${id}`;
  }

  #get(key: string): Record<string, unknown> | undefined {
    const r = this.store.records.get(key);
    if (r === undefined) return undefined;
    if (r.expiresAt <= Date.now()) {
      this.store.records.delete(key);
      return undefined;
    }
    return r.payload;
  }

  async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void> {
    if (this.store.records.size > 10_000) this.store.sweep();
    const key = this.#key(id);
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    this.store.records.set(key, { payload, expiresAt });
    if (this.model === 'Session' && typeof payload['uid'] === 'string') this.store.uids.set(payload['uid'], id);
    if (typeof payload['userCode'] === 'string') this.store.userCodes.set(payload['userCode'], id);
    if (typeof payload['grantId'] === 'string') {
      const members = this.store.grants.get(payload['grantId']) ?? new Set<string>();
      members.add(key);
      this.store.grants.set(payload['grantId'], members);
    }
  }

  async find(id: string): Promise<Record<string, unknown> | undefined> {
    return this.#get(this.#key(id));
  }

  async findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
    const id = this.store.uids.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined> {
    const id = this.store.userCodes.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id: string): Promise<void> {
    const p = this.#get(this.#key(id));
    if (p !== undefined) p['consumed'] = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.store.records.delete(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of this.store.grants.get(grantId) ?? []) this.store.records.delete(key);
    this.store.grants.delete(grantId);
  }
}
