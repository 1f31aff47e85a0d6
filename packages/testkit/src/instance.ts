import { createHash, type KeyObject } from 'node:crypto';
import { preAuthEncoding, signMessage } from '@signet/core';
import {
  BUNDLE_V01_MEDIA_TYPE, BUNDLE_V02_MEDIA_TYPE, BUNDLE_V03_MEDIA_TYPE, TRUSTED_ROOT_MEDIA_TYPES,
  type BundleJSON, type TransparencyLogEntryJSON, type TrustedRootJSON, type VerificationMaterialJSON,
} from '@signet/bundle';
import { createIntermediateCertificate, createRootCertificate, generateKey, type IssuedCertificate, type TestKeyType } from './certificates.js';
import { TestCTLog } from './ct.js';
import { issueLeaf } from './fulcio-leaf.js';
import { TestRekorV1Log, dsseV001Body, hashedRekordV001Body, type RekorVerifier } from './rekor-v1.js';
import { TestRekorV2Log, dsseV002Body, hashedRekordV002Body } from './rekor-v2.js';
import { createTimestampAuthority, createTimestampToken, type TimestampAuthorityChain } from './tsa.js';

/** How to build a test instance. */
export interface TestInstanceOptions {
  /** Key type of the Fulcio root and intermediate (leaves are always ECDSA P-256). Default P-256. */
  caKeyType?: TestKeyType;
  /** The instance's notion of "now": default signing time, and the anchor of every validity window. Default: the real time. */
  now?: Date;
  /** Create a timestamp authority (needed for Rekor v2 bundles). Default true. */
  withTSA?: boolean;
}

/** How to sign one artifact. */
export interface SignOptions {
  /** Bundle version; default 0.3. v0.1 and v0.2 carry the leaf in `x509CertificateChain`. */
  version?: '0.1' | '0.2' | '0.3';
  /** Sign with the instance's long-lived key (`signingKey`) instead of a Fulcio certificate. */
  keyed?: boolean;
  /** Which log records the entry; default v1 (SET + proof), v2 = proof only, no integrated time. */
  rekor?: 'v1' | 'v2';
  /** Add an RFC 3161 timestamp over the signature bytes; default true for Rekor v2, false for v1. */
  tsa?: boolean;
  /** Signing time (certificate window, integrated time, SCT, genTime); default the instance's now. */
  signingTime?: Date;
  /** Extra Fulcio claims by dotted OID (DER UTF8String values). */
  extensions?: Readonly<Record<string, string>>;
  /** Rewrites the leaf's TLS-encoded SCT list before the intermediate signs the leaf (see `issueLeaf`). */
  sctMutator?: (sctList: Buffer) => Buffer;
  /**
   * How a DSSE envelope is logged in Rekor v2: as `hashedrekord` 0.0.2 over SHA-256(PAE)
   * (default) or as `dsse` 0.0.2 (rekor-tiles `DSSELogEntryV002`, payload hash + signature).
   */
  rekorV2DsseKind?: 'hashedrekord' | 'dsse';
  /** How a DSSE envelope is logged in Rekor v1: `dsse` 0.0.1 (default) or `hashedrekord` 0.0.1 over SHA-256(PAE). */
  rekorV1DsseKind?: 'dsse' | 'hashedrekord';
  /** Drop the Rekor v1 signed entry timestamp (inclusion proof only, integratedTime 0). */
  withoutSET?: boolean;
  /** Leaf profile (see `LeafOptions.profile`); default a proper Fulcio code-signing leaf. */
  leafProfile?: 'fulcio' | 'ca' | 'no-code-signing';
}

/** The OIDC identity every keyless leaf carries. */
export interface TestIdentity {
  /** SAN URI. */
  readonly san: string;
  /** OIDC issuer (Fulcio extensions .1.1 and .1.8). */
  readonly issuer: string;
}

/** An ephemeral, fully-signed Sigstore instance: CA, CT log, Rekor v1 and v2 logs, TSA. */
export interface TestInstance {
  /** `trusted_root.json` for this instance (protobuf JSON). */
  readonly trustedRoot: TrustedRootJSON;
  readonly identity: TestIdentity;
  /** Public half of the long-lived key used by `keyed` signing. */
  readonly signingKey: KeyObject;
  /** Private half of the long-lived key. */
  readonly signingPrivateKey: KeyObject;
  /** The `publicKey.hint` of keyed bundles. */
  readonly publicKeyHint: string;
  /** Fulcio root and intermediate. */
  readonly ca: { readonly root: IssuedCertificate; readonly intermediate: IssuedCertificate };
  readonly ctLog: TestCTLog;
  readonly rekorV1: TestRekorV1Log;
  readonly rekorV2: TestRekorV2Log;
  /** The TSA chain, unless created `withTSA: false`. */
  readonly tsa: TimestampAuthorityChain | undefined;
  /** A message-signature bundle over `data` (SHA-256). */
  signBlob(data: Uint8Array, options?: SignOptions): BundleJSON;
  /** A DSSE bundle over an in-toto statement (payload type application/vnd.in-toto+json). */
  signDsse(statement: object, options?: SignOptions): BundleJSON;
  /** A Fulcio leaf for this instance's identity, signed by the intermediate. */
  issueLeaf(options?: Pick<SignOptions, 'signingTime' | 'extensions' | 'sctMutator' | 'leafProfile'>): IssuedCertificate;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const IN_TOTO = 'application/vnd.in-toto+json';
const MEDIA_TYPES = { '0.1': BUNDLE_V01_MEDIA_TYPE, '0.2': BUNDLE_V02_MEDIA_TYPE, '0.3': BUNDLE_V03_MEDIA_TYPE } as const;

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

function spki(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' });
}

type Signed =
  | { kind: 'message'; digest: Buffer; signature: Buffer }
  | { kind: 'dsse'; payload: Buffer; signature: Buffer };

/**
 * Creates an in-memory Sigstore instance whose bundles verify with Signet's verifier and with
 * sigstore-js, so tests can start from a valid bundle and corrupt one thing at a time.
 */
export function createTestInstance(options: TestInstanceOptions = {}): TestInstance {
  const caKeyType = options.caKeyType ?? 'ecdsa-p256';
  const anchor = options.now ?? new Date();
  const validFrom = new Date(anchor.getTime() - 365 * DAY_MS);
  const validUntil = new Date(anchor.getTime() + 10 * 365 * DAY_MS);
  const window = { notBefore: validFrom, notAfter: validUntil };
  const root = createRootCertificate({ keyType: caKeyType, organization: 'signet.test', commonName: 'signet-test-root', ...window });
  const intermediate = createIntermediateCertificate(root, { keyType: caKeyType, organization: 'signet.test', commonName: 'signet-test-intermediate', ...window });
  const ctLog = new TestCTLog();
  const rekorV1 = new TestRekorV1Log();
  const rekorV2 = new TestRekorV2Log();
  const tsa = options.withTSA === false ? undefined : createTimestampAuthority({ keyType: caKeyType, ...window });
  const keyPair = generateKey('ecdsa-p256');
  const publicKeyHint = sha256(spki(keyPair.publicKey)).toString('hex');
  const identity: TestIdentity = {
    san: 'https://github.com/signet-test/repo/.github/workflows/release.yml@refs/heads/main',
    issuer: 'https://token.actions.githubusercontent.com',
  };
  const now = () => options.now ?? new Date();

  const start = validFrom.toISOString();
  const log = (baseUrl: string, key: KeyObject, keyDetails: string, logId: Buffer) => ({
    baseUrl,
    hashAlgorithm: 'SHA2_256' as const,
    publicKey: { rawBytes: spki(key).toString('base64'), keyDetails, validFor: { start } },
    logId: { keyId: logId.toString('base64') },
  });
  const trustedRoot: TrustedRootJSON = {
    mediaType: TRUSTED_ROOT_MEDIA_TYPES[0] as string,
    tlogs: [
      log(rekorV1.baseUrl, rekorV1.publicKey, 'PKIX_ECDSA_P256_SHA_256', rekorV1.logId),
      log(rekorV2.baseUrl, rekorV2.publicKey, 'PKIX_ED25519', rekorV2.logId),
    ],
    // Chains leaf-side first, anchor last, as the public-good trusted root lists them.
    certificateAuthorities: [{
      subject: { organization: 'signet.test', commonName: 'signet-test-root' },
      uri: 'https://fulcio.test',
      certChain: { certificates: [intermediate.der, root.der].map((c) => ({ rawBytes: c.toString('base64') })) },
      validFor: { start },
    }],
    ctlogs: [log('https://ctfe.test', ctLog.publicKey, 'PKIX_ECDSA_P256_SHA_256', ctLog.logId)],
    timestampAuthorities: tsa
      ? [{
          subject: { organization: 'signet.test', commonName: 'signet-test-tsa' },
          uri: 'https://tsa.test',
          certChain: { certificates: [tsa.leaf.der, tsa.root.der].map((c) => ({ rawBytes: c.toString('base64') })) },
          validFor: { start },
        }]
      : [],
  };

  const leafFor = (o: Pick<SignOptions, 'signingTime' | 'extensions' | 'sctMutator' | 'leafProfile'> = {}): IssuedCertificate => issueLeaf({
    issuer: intermediate,
    ctLog,
    san: identity.san,
    oidcIssuer: identity.issuer,
    signingTime: o.signingTime ?? now(),
    extensions: o.extensions,
    sctMutator: o.sctMutator,
    profile: o.leafProfile,
  });

  function assemble(o: SignOptions, sign: (key: KeyObject) => Signed, envelope?: (signature: Buffer) => BundleJSON['dsseEnvelope']): BundleJSON {
    const version = o.version ?? '0.3';
    const rekor = o.rekor ?? 'v1';
    const withTimestamp = o.tsa ?? rekor === 'v2';
    const signingTime = o.signingTime ?? now();
    // sigstore_bundle.proto: v0.1 proves inclusion with a SET, which Rekor v2 does not issue.
    if (version === '0.1' && rekor === 'v2') throw new TypeError('a v0.1 bundle needs a Rekor v1 entry (SET)');
    if (withTimestamp && !tsa) throw new TypeError('this test instance was created without a TSA');

    const leaf = o.keyed ? undefined : leafFor(o);
    const signed = sign(leaf ? leaf.privateKey : keyPair.privateKey);
    const verifier: RekorVerifier = leaf ? { der: leaf.der, isCertificate: true } : { der: spki(keyPair.publicKey), isCertificate: false };
    const env = signed.kind === 'dsse' && envelope ? envelope(signed.signature) : undefined;

    let entry: TransparencyLogEntryJSON;
    if (rekor === 'v1') {
      const integratedTime = Math.floor(signingTime.getTime() / 1000);
      entry = signed.kind === 'message'
        ? rekorV1.append(hashedRekordV001Body(signed.digest, signed.signature, verifier), 'hashedrekord', integratedTime)
        : o.rekorV1DsseKind === 'hashedrekord'
          ? rekorV1.append(hashedRekordV001Body(sha256(preAuthEncoding(IN_TOTO, signed.payload)), signed.signature, verifier), 'hashedrekord', integratedTime)
          : rekorV1.append(dsseV001Body(JSON.stringify(env), signed.payload, signed.signature, verifier), 'dsse', integratedTime);
      if (o.withoutSET) {
        delete entry.inclusionPromise;
        entry.integratedTime = '0';
      }
    } else if (signed.kind === 'message') {
      entry = rekorV2.append(hashedRekordV002Body(signed.digest, signed.signature, verifier));
    } else if (o.rekorV2DsseKind === 'dsse') {
      entry = rekorV2.append(dsseV002Body(sha256(signed.payload), signed.signature, verifier), 'dsse');
    } else {
      entry = rekorV2.append(hashedRekordV002Body(sha256(preAuthEncoding(IN_TOTO, signed.payload)), signed.signature, verifier));
    }

    const material: VerificationMaterialJSON = leaf
      ? version === '0.3'
        ? { certificate: { rawBytes: leaf.der.toString('base64') } }
        : { x509CertificateChain: { certificates: [{ rawBytes: leaf.der.toString('base64') }] } }
      : { publicKey: { hint: publicKeyHint } };
    material.tlogEntries = [entry];
    if (withTimestamp && tsa) {
      const token = createTimestampToken(signed.signature, tsa.leaf.privateKey, tsa.leaf.der, signingTime);
      material.timestampVerificationData = { rfc3161Timestamps: [{ signedTimestamp: token.toString('base64') }] };
    }
    const bundle: BundleJSON = { mediaType: MEDIA_TYPES[version], verificationMaterial: material };
    if (signed.kind === 'message') {
      bundle.messageSignature = { messageDigest: { algorithm: 'SHA2_256', digest: signed.digest.toString('base64') }, signature: signed.signature.toString('base64') };
    } else {
      bundle.dsseEnvelope = env;
    }
    return bundle;
  }

  return {
    trustedRoot,
    identity,
    signingKey: keyPair.publicKey,
    signingPrivateKey: keyPair.privateKey,
    publicKeyHint,
    ca: { root, intermediate },
    ctLog,
    rekorV1,
    rekorV2,
    tsa,
    issueLeaf: leafFor,
    signBlob(data, o = {}) {
      return assemble(o, (key) => ({ kind: 'message', digest: sha256(data), signature: signMessage(key, data, { hash: 'sha256' }) }));
    },
    signDsse(statement, o = {}) {
      const payload = Buffer.from(JSON.stringify(statement), 'utf8');
      return assemble(
        o,
        (key) => ({ kind: 'dsse', payload, signature: signMessage(key, preAuthEncoding(IN_TOTO, payload), { hash: 'sha256' }) }),
        (signature) => ({ payload: payload.toString('base64'), payloadType: IN_TOTO, signatures: [{ sig: signature.toString('base64') }] }),
      );
    },
  };
}
