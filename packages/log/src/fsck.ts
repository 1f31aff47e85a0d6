import { hashLeaf, TILE_WIDTH, verifyCheckpoint, type NoteVerifier } from '@signet/merkle';
import { openSqliteDriver } from './sqlite-driver.js';
import { TileBuilder, nodesAtTileLevel } from './tile-builder.js';
import type { FsckProblem, FsckReport, StorageDriver, TileWrite } from './types.js';

const CHUNK = 16_384;
const MAX_PROBLEMS = 1000;

/**
 * Checks a log's storage and repairs nothing. It re-derives the tree from the stored entries
 * alone (the source of truth), leaf by leaf, and compares: every stored hash tile byte for byte
 * (full tiles, and the partial tiles of the right edge at the integrated size), the number of
 * stored tiles per level, the stored integrated state (size and compact range), and every stored
 * checkpoint — its signature by one of `verifiers`, its origin, and its root against the
 * re-derived root at its size (so every checkpoint ever handed out is consistent with the tree).
 * Entry indexes must be dense from 0. Each finding is an `ERR_LOG_CORRUPT` problem.
 *
 * Run it on a log no process is writing to (or on a driver opened for it); when given `dataDir`
 * it opens the SQLite store read-only.
 *
 * @throws {LogError} `ERR_LOG_STORAGE` when storage cannot be opened or read.
 */
export async function fsck(target: { dataDir: string } | { driver: StorageDriver }, verifiers: readonly NoteVerifier[]): Promise<FsckReport> {
  const owned = !('driver' in target);
  const driver = 'driver' in target ? target.driver : openSqliteDriver({ dataDir: target.dataDir, readonly: true });
  try {
    return await check(driver, verifiers);
  } finally {
    if (owned) await driver.close();
  }
}

async function check(driver: StorageDriver, verifiers: readonly NoteVerifier[]): Promise<FsckReport> {
  const problems: FsckProblem[] = [];
  const problem = (message: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push({ code: 'ERR_LOG_CORRUPT', message });
  };
  const state = await driver.open();
  const integratedSize = state.integrated?.size ?? 0;
  const sequencedSize = state.sequencedSize;
  if (integratedSize > sequencedSize) problem(`integrated size ${integratedSize} exceeds the ${sequencedSize} stored entries`);

  // Checkpoints first: verify signatures, keep only (size, root) to compare while re-deriving.
  const targets: { size: number; root: Buffer; seen: number }[] = [];
  let checkpointsChecked = 0;
  let origin: string | undefined;
  for (let offset = 0; ; offset += 1000) {
    const page = await driver.readCheckpoints(offset, 1000);
    for (const cp of page) {
      const n = checkpointsChecked++; // ordinal in publication order, for messages
      try {
        const v = verifyCheckpoint(cp.note, verifiers);
        const c = v.checkpoint;
        origin ??= c.origin;
        if (c.origin !== origin) problem(`checkpoint #${n} has origin ${JSON.stringify(c.origin)}, others ${JSON.stringify(origin)}`);
        if (c.treeSize !== cp.size || !c.rootHash.equals(cp.rootHash)) problem(`checkpoint #${n}: stored size/root differ from its signed note`);
      } catch (err) {
        problem(`checkpoint #${n} (size ${cp.size}) does not verify: ${(err as Error).message}`);
      }
      if (cp.size > integratedSize) problem(`checkpoint #${n} has size ${cp.size}, beyond the integrated size ${integratedSize}`);
      targets.push({ size: cp.size, root: cp.rootHash, seen: n });
    }
    if (page.length < 1000) break;
  }
  targets.sort((a, b) => a.size - b.size);
  let nextTarget = 0;
  const builder = TileBuilder.empty();
  const checkTargets = (): void => {
    while (nextTarget < targets.length && targets[nextTarget]!.size === builder.size) {
      const t = targets[nextTarget++]!;
      if (!builder.root().equals(t.root)) problem(`checkpoint #${t.seen} (size ${t.size}) is not consistent with the stored entries: root differs`);
    }
  };

  let tilesChecked = 0;
  const compareTiles = async (tiles: readonly TileWrite[]): Promise<void> => {
    for (const t of tiles) {
      tilesChecked++;
      const stored = await driver.readTile(t.level, t.index);
      if (stored === undefined) problem(`tile ${t.level}/${t.index} is missing`);
      else if (!stored.equals(t.hashes)) {
        problem(`tile ${t.level}/${t.index} differs from its re-derivation (${stored.length / 32} stored hashes, ${t.hashes.length / 32} derived)`);
      }
    }
  };

  let rootHash = builder.root();
  checkTargets();
  for (let start = 0; start < sequencedSize; start += CHUNK) {
    const end = Math.min(start + CHUNK, sequencedSize);
    const entries = await driver.readEntries(start, end);
    let expect = start;
    for (const e of entries) {
      if (e.index !== expect) {
        problem(`entries ${expect}..${e.index - 1} are missing`);
        expect = e.index;
      }
      expect++;
      builder.append(hashLeaf(e.leaf));
      if (builder.size === integratedSize) {
        // The right edge as stored at the integrated size: partial tiles and compact range.
        await compareTiles(builder.flush().filter((t) => t.hashes.length === TILE_WIDTH * 32));
        await compareTiles(builder.partialTiles());
        rootHash = builder.root();
        const stored = state.integrated?.compactRange ?? [];
        const derived = builder.state().compactRange;
        if (stored.length !== derived.length || stored.some((h, i) => !h.equals(derived[i]!))) {
          problem(`stored compact range at size ${integratedSize} differs from its re-derivation`);
        }
      }
      checkTargets();
    }
    if (expect < end) problem(`entries ${expect}..${end - 1} are missing`);
    // Full tiles below the integrated size must be stored; partial ones are checked above.
    const full = builder.flush().filter((t) => t.hashes.length === TILE_WIDTH * 32 && (t.index + 1) * TILE_WIDTH ** (t.level + 1) <= integratedSize);
    await compareTiles(full);
  }

  // No stray tiles: exactly ⌈nodes/256⌉ tiles per level at the integrated size.
  for (let level = 0; level <= 63; level++) {
    const nodes = nodesAtTileLevel(integratedSize, level);
    const want = Math.ceil(nodes / TILE_WIDTH);
    const have = await driver.countTiles(level);
    if (have !== want) problem(`level ${level} has ${have} stored tiles, want ${want}`);
    if (nodes === 0 && have === 0) break;
  }
  return {
    ok: problems.length === 0,
    entries: sequencedSize,
    integratedSize,
    tilesChecked,
    checkpointsChecked,
    rootHash,
    problems,
  };
}
