/**
 * `@signet/log`: the transparency log engine. A sequencer makes appends durable in batches, an
 * integrator folds them into C2SP tlog-tiles, a publisher signs checkpoints; proofs are read
 * from tiles against published checkpoints only. Storage sits behind `StorageDriver`
 * (docs/log-storage.md); `openSqliteDriver` is the embedded default.
 */
export { LogError, type LogErrorCode } from './errors.js';
export type {
  LogOptions,
  WitnessHook,
  AppendRequest,
  AppendResult,
  LogEntry,
  PublishedCheckpoint,
  LogStats,
  TransparencyLog,
  FsckProblem,
  FsckReport,
  StorageDriver,
  StorageState,
  SequenceItem,
  SequenceOutcome,
  IntegratedState,
  TileWrite,
  IntegrationWrite,
  FoldIntegration,
} from './types.js';
export { openLog, MAX_LEAF_SIZE } from './log.js';
export { logPort, attachLog, canShareLog } from './worker-log.js';
export { openSqliteDriver, type SqliteDriverOptions } from './sqlite-driver.js';
export { fsck } from './fsck.js';
