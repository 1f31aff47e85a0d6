import { openSqliteDriver } from '@signet/log';
import { mkdtempSync } from 'node:fs';
const d = openSqliteDriver({ dataDir: process.argv[2] });
await d.open();
for (const [l, n] of [[0, 5], [0, 1000], [1, 3], [2, 0], [0, 1171]]) {
  const t = performance.now(); const x = await d.readTile(l, n); console.log(l, n, x?.length, (performance.now() - t).toFixed(2));
}
