// Arithmetic shared by the RFC 9162 §2.1.3.2 and §2.1.4.2 verification algorithms. Division
// instead of `>>`, so that indexes and sizes beyond 2^32 stay exact.

export const isOdd = (n: number): boolean => n % 2 === 1;
export const half = (n: number): number => Math.floor(n / 2);

/**
 * How many proof hashes the RFC 9162 walk consumes from node `fn` in a tree whose last node is
 * `sn` (the loop of §2.1.3.2 step 5 / §2.1.4.2 step 6, counting instead of hashing), so that a
 * proof of the wrong length is refused before any hashing.
 */
export function pathLength(fn: number, sn: number): number {
  let rounds = 0;
  while (sn > 0) {
    if (isOdd(fn) || fn === sn) {
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    }
    fn = half(fn);
    sn = half(sn);
    rounds++;
  }
  return rounds;
}
