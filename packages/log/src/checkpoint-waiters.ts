import { LogError, checkInteger } from './errors.js';
import type { PublishedCheckpoint } from './types.js';

interface Waiter {
  index: number;
  resolve: (cp: PublishedCheckpoint) => void;
  reject: (e: unknown) => void;
  cleanup: () => void;
}

/**
 * Callers waiting for a published checkpoint to cover an index (`awaitCheckpoint`), shared by
 * the inline engine and the worker-thread front: resolved in bulk on each publication, rejected
 * on close, and individually on abort.
 */
export class CheckpointWaiters {
  #waiters: Waiter[] = [];

  /**
   * `awaitCheckpoint` for both engine fronts: resolves at once when `state.published` covers
   * `index`, rejects when the log is closed or `index` was never appended (`appended` counts
   * sequenced plus still-queued appends), else waits for {@link release}.
   */
  await(index: number, state: { published: PublishedCheckpoint | undefined; closed: boolean; sequenced: number; appended: number }, signal?: AbortSignal): Promise<PublishedCheckpoint> {
    try {
      checkInteger(index, 'index');
    } catch (err) {
      return Promise.reject(err);
    }
    const cp = state.published;
    if (cp !== undefined && index < cp.size) return Promise.resolve(cp);
    if (state.closed) return Promise.reject(new LogError('ERR_LOG_CLOSED', 'the log is closed'));
    if (index >= state.appended) {
      return Promise.reject(new LogError('ERR_LOG_INDEX', `index ${index} has not been appended (size ${state.sequenced})`));
    }
    return this.#wait(index, signal);
  }

  #wait(index: number, signal?: AbortSignal): Promise<PublishedCheckpoint> {
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    return new Promise<PublishedCheckpoint>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(signal!.reason);
      };
      const waiter: Waiter = { index, resolve, reject, cleanup: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Resolves every waiter that `cp` covers. */
  release(cp: PublishedCheckpoint): void {
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.#waiters) {
      if (w.index < cp.size) {
        w.cleanup();
        w.resolve(cp);
      } else {
        still.push(w);
      }
    }
    this.#waiters = still;
  }

  /** Rejects every waiter: the log is closing. */
  rejectAll(): void {
    const closed = new LogError('ERR_LOG_CLOSED', 'the log closed before a checkpoint covered the entry');
    for (const w of this.#waiters) {
      w.cleanup();
      w.reject(closed);
    }
    this.#waiters = [];
  }
}
