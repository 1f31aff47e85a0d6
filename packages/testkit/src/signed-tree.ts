import { randomBytes, type KeyObject } from 'node:crypto';
import { MerkleTree, formatCheckpoint, hashLeaf, noteSignerFromPrivateKey, signNote, type NoteSigner } from '@signet/merkle';
import type { InclusionProofJSON } from '@signet/bundle';

/**
 * An in-memory RFC 6962 tree whose every append yields an inclusion proof against a freshly
 * signed checkpoint (c2sp.org/tlog-checkpoint): what a log's "entry + proof" answer carries.
 */
export class SignedTree {
  readonly #tree = new MerkleTree();
  readonly #signer: NoteSigner;
  readonly #origin: string;

  /**
   * @param origin checkpoint origin line
   * @param noteName key name of the checkpoint signature line
   * @param key the log's private key (ECDSA: key ID = SHA-256(SPKI)[:4]; Ed25519: signed-note key ID)
   * @param fillerLeaves random leaves appended first, so proofs are never trivial
   */
  constructor(origin: string, noteName: string, key: KeyObject, fillerLeaves: number) {
    this.#origin = origin;
    this.#signer = noteSignerFromPrivateKey(noteName, key);
    for (let i = 0; i < fillerLeaves; i++) this.#tree.append(hashLeaf(randomBytes(64)));
  }

  /** Appends `body` as a leaf and returns its index with an inclusion proof and signed checkpoint. */
  append(body: Uint8Array): { index: number; proof: InclusionProofJSON } {
    const index = this.#tree.append(hashLeaf(body));
    const treeSize = this.#tree.size;
    const rootHash = this.#tree.root(treeSize);
    const envelope = signNote(formatCheckpoint({ origin: this.#origin, treeSize, rootHash, extensions: [] }), this.#signer);
    const proof: InclusionProofJSON = {
      logIndex: String(index),
      rootHash: rootHash.toString('base64'),
      treeSize: String(treeSize),
      hashes: this.#tree.inclusionProof(index, treeSize).map((h) => h.toString('base64')),
      checkpoint: { envelope },
    };
    return { index, proof };
  }
}
