import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import {
  derIntegerBytes, derValue, digest, parseDer, readDer, verifySignature, DerTag, encodeAlgorithmIdentifier, encodeDer, encodeExplicit,
  encodeGeneralizedTime, encodeImplicit, encodeInteger, encodeNamedBitString, encodeNull, encodeOctetString, encodeOid, encodeSequence, encodeSetOf,
  encodeTime, encodeUnsignedInteger, encodeUtf8String, isDottedOid, retagImplicit, type Certificate,
} from '@signet/core';
import { TimestampError, type TimestampErrorCode } from './errors.js';
import { HASH_BY_OID, HASH_LENGTH, OIDS, OID_BY_HASH, type TimestampHash } from './oids.js';
import { MAX_NONCE_BYTES, parseTimeStampReq, type TimeStampReq } from './request.js';
import { inspectTimestampChain, type TimestampChain, type TimestampSigner } from './signer.js';

/** PKIFailureInfo bits a TSA answers with (RFC 3161 §2.4.2), by name. */
export const PKI_FAILURE_BITS = {
  badAlg: 0,
  badRequest: 2,
  badDataFormat: 5,
  timeNotAvailable: 14,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  addInfoNotAvailable: 17,
  systemFailure: 25,
} as const;

/** A PKIFailureInfo name (RFC 3161 §2.4.2). */
export type PKIFailureInfo = keyof typeof PKI_FAILURE_BITS;

/** Which failure each request code is answered with (the conventions OpenSSL's TSA follows too). */
const FAILURE_OF: Readonly<Partial<Record<TimestampErrorCode, PKIFailureInfo>>> = {
  ERR_TSA_REQUEST_FORMAT: 'badDataFormat',
  ERR_TSA_REQUEST_VERSION: 'badRequest',
  ERR_TSA_HASH_ALGORITHM: 'badAlg',
  ERR_TSA_IMPRINT_LENGTH: 'badDataFormat',
  ERR_TSA_POLICY: 'unacceptedPolicy',
  ERR_TSA_EXTENSION: 'unacceptedExtension',
  ERR_TSA_SIGNER: 'systemFailure',
  ERR_TSA_VALIDITY: 'systemFailure',
};

/** TSTInfo accuracy (RFC 3161 §2.4.2); zero parts are omitted. */
export interface TimestampAccuracy {
  seconds?: number;
  millis?: number;
  micros?: number;
}

/** How a {@link TimestampAuthority} issues tokens. */
export interface TimestampAuthorityOptions {
  signer: TimestampSigner;
  /** The clock genTime is read from. Default: the system clock. */
  now?: () => Date;
  /** Randomness for serial numbers. Default: `crypto.randomBytes`. */
  randomBytes?: (size: number) => Buffer;
  /** Policy of requests that name none. Default Sigstore's `1.3.6.1.4.1.57264.2`. */
  policy?: string;
  /** Further policies a request may name (the default policy is always accepted). */
  acceptedPolicies?: readonly string[];
  /** TSTInfo accuracy; `null` leaves it out. Default one second. */
  accuracy?: TimestampAccuracy | null;
  /**
   * genTime precision. `second` (default) is what Sigstore's TSA writes and what every client
   * parses; `millisecond` adds a DER fraction (trailing zeros removed, X.690 §11.7), which
   * sigstore-js 3 cannot read unless it has exactly three digits.
   */
  genTimePrecision?: 'second' | 'millisecond';
  /** Put the TSA leaf's subject in TSTInfo `tsa` (a hint to requesters; RFC 3161 §2.4.2). */
  includeTsaName?: boolean;
}

/** The TSA's answer: the DER TimeStampResp and what it says. */
export type TimestampResponse =
  | {
    readonly status: 'granted';
    /** DER TimeStampResp: PKIStatusInfo (granted) and the TimeStampToken. */
    readonly der: Buffer;
    readonly serialNumber: Buffer;
    readonly genTime: Date;
    readonly policy: string;
  }
  | {
    readonly status: 'rejection';
    /** DER TimeStampResp: PKIStatusInfo with status rejection, a statusString and the failInfo. */
    readonly der: Buffer;
    readonly failInfo: PKIFailureInfo;
    readonly error: TimestampError;
  };

const SERIAL_BYTES = 16;

function signatureAlgorithmFor(chain: TimestampChain, hash: TimestampHash): Buffer {
  if (chain.key.algorithm === 'rsa') {
    // RFC 4055 §5: sha*WithRSAEncryption with NULL parameters.
    const rsa = { sha256: OIDS.sha256WithRSAEncryption, sha384: OIDS.sha384WithRSAEncryption, sha512: OIDS.sha512WithRSAEncryption };
    return encodeAlgorithmIdentifier(rsa[hash], encodeNull());
  }
  // RFC 5758 §3.2 / RFC 5753 §2.1.1: ecdsa-with-SHA*, parameters absent.
  const ec = { sha256: OIDS.ecdsaWithSHA256, sha384: OIDS.ecdsaWithSHA384, sha512: OIDS.ecdsaWithSHA512 };
  return encodeAlgorithmIdentifier(ec[hash]);
}

/** The serialNumber INTEGER content octets of a certificate, from its TBSCertificate. */
function certificateSerial(cert: Certificate): Buffer {
  const tbs = readDer(cert.tbs);
  let node = readDer(cert.tbs, tbs.contentStart, tbs.end);
  if (node.tag === 0xa0) node = readDer(cert.tbs, node.end, tbs.end); // [0] EXPLICIT version
  return Buffer.from(derIntegerBytes(node));
}

function checkAccuracy(a: TimestampAccuracy): Buffer | undefined {
  const { seconds = 0, millis = 0, micros = 0 } = a;
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new RangeError('accuracy.seconds must be a non-negative integer');
  for (const [name, v] of [['millis', millis], ['micros', micros]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 999) throw new RangeError(`accuracy.${name} must be an integer in 0..999`);
  }
  if (seconds === 0 && millis === 0 && micros === 0) return undefined;
  // Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] INTEGER (1..999) OPTIONAL, micros [1] ... }
  const intContent = (n: number) => derValue(parseDer(encodeInteger(n)));
  return encodeSequence(
    ...(seconds > 0 ? [encodeInteger(seconds)] : []),
    ...(millis > 0 ? [encodeImplicit(0, intContent(millis))] : []),
    ...(micros > 0 ? [encodeImplicit(1, intContent(micros))] : []),
  );
}

function attribute(type: string, value: Buffer): Buffer {
  return encodeSequence(encodeOid(type), encodeSetOf(value));
}

/**
 * An RFC 3161 time-stamping authority, apart from any transport. It judges a TimeStampReq and
 * answers a DER TimeStampResp: a token signed by its {@link TimestampSigner}, or a rejection
 * whose PKIFailureInfo says why. Clock and randomness are injected; nothing here does I/O
 * except through the signer.
 *
 * Tokens (RFC 3161 §2.4.2, RFC 5652 §5, RFC 5816):
 * - TSTInfo v1: policy, messageImprint as requested, a random positive 128-bit serial, genTime,
 *   accuracy, the nonce when one was sent, optionally the TSA name;
 * - SignedData v3 with eContentType id-ct-TSTInfo; the TSA leaf certificate only when certReq;
 *   one SignerInfo v1 naming the leaf by issuerAndSerialNumber, signed attributes content-type,
 *   signing-time, message-digest and signing-certificate-v2 (ESSCertIDv2: SHA-256 of the leaf and
 *   its IssuerSerial), signed with ECDSA or RSA PKCS#1 v1.5.
 */
export class TimestampAuthority {
  /** The default policy OID. */
  readonly policy: string;
  /** Every policy a request may name. */
  readonly acceptedPolicies: ReadonlySet<string>;
  readonly #signer: TimestampSigner;
  readonly #chain: TimestampChain;
  readonly #now: () => Date;
  readonly #random: (size: number) => Buffer;
  readonly #accuracy: Buffer | undefined;
  readonly #millis: boolean;
  readonly #tsaName: Buffer | undefined;
  readonly #hashOid: string;
  readonly #signatureAlgorithm: Buffer;
  readonly #signerIdentifier: Buffer;
  readonly #signingCertificate: Buffer;

  /**
   * @throws TimestampError `ERR_TSA_CHAIN` when the signer's chain breaks the RFC 3161 profile;
   *   RangeError/TypeError for bad options.
   */
  constructor(options: TimestampAuthorityOptions) {
    const signer = options?.signer;
    if (!signer || typeof signer.sign !== 'function') throw new TypeError('options.signer must be a TimestampSigner');
    if (!(signer.hash in OID_BY_HASH)) throw new RangeError(`signer.hash must be sha256, sha384 or sha512, not ${String(signer.hash)}`);
    this.#signer = signer;
    this.#chain = inspectTimestampChain(signer.certificateChain);
    this.policy = options.policy ?? OIDS.sigstoreTimestampPolicy;
    const policies = [this.policy, ...(options.acceptedPolicies ?? [])];
    for (const p of policies) if (typeof p !== 'string' || !isDottedOid(p)) throw new RangeError(`not a policy OID: ${String(p)}`);
    this.acceptedPolicies = new Set(policies);
    this.#now = options.now ?? (() => new Date());
    this.#random = options.randomBytes ?? cryptoRandomBytes;
    this.#accuracy = options.accuracy === null ? undefined : checkAccuracy(options.accuracy ?? { seconds: 1 });
    this.#millis = options.genTimePrecision === 'millisecond';
    if (options.genTimePrecision !== undefined && options.genTimePrecision !== 'second' && !this.#millis) {
      throw new RangeError('genTimePrecision must be second or millisecond');
    }
    const leaf = this.#chain.leaf;
    // tsa [0] EXPLICIT GeneralName, directoryName [4] EXPLICIT Name (GeneralName is a CHOICE).
    this.#tsaName = options.includeTsaName ? encodeExplicit(0, encodeExplicit(4, leaf.subjectDer)) : undefined;
    this.#hashOid = OID_BY_HASH[signer.hash];
    this.#signatureAlgorithm = signatureAlgorithmFor(this.#chain, signer.hash);
    const serial = encodeDer(DerTag.INTEGER, certificateSerial(leaf));
    this.#signerIdentifier = encodeSequence(leaf.issuerDer, serial);
    // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 } (RFC 5035 §3); ESSCertIDv2's
    // hashAlgorithm DEFAULT id-sha256 is omitted (DER), IssuerSerial ::= { GeneralNames, serial }.
    const essCertId = encodeSequence(encodeOctetString(digest('sha256', leaf.der)), encodeSequence(encodeSequence(encodeExplicit(4, leaf.issuerDer)), serial));
    this.#signingCertificate = encodeSequence(encodeSequence(essCertId));
  }

  /** The TSA certificate chain, leaf first (DER). */
  get certificateChain(): readonly Buffer[] {
    return this.#chain.certificates.map((c) => c.der);
  }

  /** The TSA leaf certificate. */
  get certificate(): Certificate {
    return this.#chain.leaf;
  }

  /** Parses a DER TimeStampReq and answers it; a malformed one gets a badDataFormat rejection. */
  async respond(der: Uint8Array): Promise<TimestampResponse> {
    let request: TimeStampReq;
    try {
      request = parseTimeStampReq(der);
    } catch (err) {
      if (err instanceof TimestampError) return this.reject(err);
      throw err;
    }
    return this.timestamp(request);
  }

  /**
   * Judges a request and answers it: a granted TimeStampResp with a fresh token, or a rejection
   * (PKIStatus 2) whose failInfo names the first problem, in this order: version (badRequest),
   * hash algorithm (badAlg), imprint length (badDataFormat), policy (unacceptedPolicy),
   * extensions (unacceptedExtension); then the TSA's own state: a clock outside the chain's
   * validity or a failing signer (systemFailure). Never throws for a bad request.
   */
  async timestamp(request: TimeStampReq): Promise<TimestampResponse> {
    let policy: string;
    try {
      policy = this.#judge(request);
    } catch (err) {
      if (err instanceof TimestampError) return this.reject(err);
      throw err;
    }
    const genTime = this.#genTime();
    // A token outside its chain's validity verifies nowhere (RFC 3161 §2.4.2 genTime is checked
    // against every path certificate); refuse instead of handing it out.
    const expired = this.#chain.certificates.find((c) => genTime < c.notBefore || genTime > c.notAfter);
    if (expired) {
      return this.reject(new TimestampError('ERR_TSA_VALIDITY', `TSA certificate ${expired.serialNumber} is not valid at ${genTime.toISOString()}`));
    }
    const serialNumber = this.#serial();
    const { messageImprint: mi } = request;
    const tstInfo = encodeSequence(
      encodeInteger(1),
      encodeOid(policy),
      // RFC 3161 §2.4.2: messageImprint MUST have the same value as in the request.
      encodeSequence(encodeSequence(encodeOid(mi.hashAlgorithm), ...(mi.hashParameters ? [mi.hashParameters] : [])), encodeOctetString(mi.hashedMessage)),
      encodeUnsignedInteger(serialNumber),
      encodeGeneralizedTime(genTime, { fraction: this.#millis }),
      ...(this.#accuracy ? [this.#accuracy] : []),
      // ordering DEFAULT FALSE: omitted.
      ...(request.nonce ? [encodeDer(DerTag.INTEGER, request.nonce)] : []),
      ...(this.#tsaName ? [this.#tsaName] : []),
    );
    let token: Buffer;
    try {
      token = await this.#signToken(tstInfo, genTime, request.certReq);
    } catch (cause) {
      // A failing HSM or key is the TSA's problem, not the requester's: systemFailure, no details.
      return this.reject(new TimestampError('ERR_TSA_SIGNER', 'the timestamp could not be signed', { cause }));
    }
    const der = encodeSequence(encodeSequence(encodeInteger(0)), token);
    return { status: 'granted', der, serialNumber, genTime, policy };
  }

  /**
   * A rejection TimeStampResp for `error` (RFC 3161 §2.4.2): PKIStatus rejection(2), the error's
   * message as statusString (a generic one for system failures) and the PKIFailureInfo bit that
   * its code maps to.
   */
  reject(error: TimestampError): TimestampResponse {
    const failInfo = FAILURE_OF[error.code] ?? 'systemFailure';
    const text = failInfo === 'systemFailure' ? 'system failure' : error.message.slice(0, 200);
    const der = encodeSequence(encodeSequence(encodeInteger(2), encodeSequence(encodeUtf8String(text)), encodeNamedBitString([PKI_FAILURE_BITS[failInfo]])));
    return { status: 'rejection', der, failInfo, error };
  }

  /** The policy of the token to issue, or the reason to refuse it. */
  #judge(request: TimeStampReq): string {
    if (request.version !== 1) throw new TimestampError('ERR_TSA_REQUEST_VERSION', `unsupported TimeStampReq version ${request.version}`);
    const mi = request.messageImprint;
    const hash = HASH_BY_OID[mi.hashAlgorithm];
    if (!hash) {
      const weak = mi.hashAlgorithm === OIDS.sha1 || mi.hashAlgorithm === '1.2.840.113549.2.5';
      throw new TimestampError('ERR_TSA_HASH_ALGORITHM', `${weak ? 'weak' : 'unsupported'} hash algorithm ${mi.hashAlgorithm}: use SHA-256, SHA-384 or SHA-512`);
    }
    // RFC 5754 §2: SHA-2 parameters are absent or NULL.
    if (mi.hashParameters && !mi.hashParameters.equals(Buffer.of(0x05, 0x00))) {
      throw new TimestampError('ERR_TSA_HASH_ALGORITHM', `unexpected parameters for hash algorithm ${mi.hashAlgorithm}`);
    }
    if (mi.hashedMessage.length !== HASH_LENGTH[hash]) {
      throw new TimestampError('ERR_TSA_IMPRINT_LENGTH', `a ${hash} hashedMessage is ${HASH_LENGTH[hash]} bytes, got ${mi.hashedMessage.length}`);
    }
    // The nonce is echoed as INTEGER content octets: they must already be minimal DER (X.690 §8.3.2).
    const n = request.nonce;
    if (n && (n.length === 0 || n.length > MAX_NONCE_BYTES || (n.length > 1 && ((n[0] === 0 && (n[1]! & 0x80) === 0) || (n[0] === 0xff && (n[1]! & 0x80) !== 0))))) {
      throw new TimestampError('ERR_TSA_REQUEST_FORMAT', 'nonce is not a minimal INTEGER of at most 64 octets');
    }
    const policy = request.reqPolicy ?? this.policy;
    if (!this.acceptedPolicies.has(policy)) throw new TimestampError('ERR_TSA_POLICY', `policy ${policy} is not accepted by this TSA`);
    // RFC 3161 §2.4.1: an extension the TSA does not recognise, critical or not, is refused.
    const ext = request.extensions?.[0];
    if (ext) throw new TimestampError('ERR_TSA_EXTENSION', `unsupported request extension ${ext.oid}`);
    return policy;
  }

  #genTime(): Date {
    const t = this.#now().getTime();
    if (!Number.isFinite(t)) throw new RangeError('the clock returned an invalid date');
    return new Date(this.#millis ? t : Math.floor(t / 1000) * 1000);
  }

  /** A random positive serial of exactly 128 bits' length (126 random), unique with overwhelming probability. */
  #serial(): Buffer {
    const serial = Buffer.from(this.#random(SERIAL_BYTES));
    if (serial.length !== SERIAL_BYTES) throw new RangeError(`randomBytes(${SERIAL_BYTES}) returned ${serial.length} bytes`);
    serial[0] = ((serial[0] as number) & 0x3f) | 0x40;
    return serial;
  }

  async #signToken(tstInfo: Buffer, genTime: Date, certReq: boolean): Promise<Buffer> {
    const hash = this.#signer.hash;
    const attrs = encodeSetOf(
      attribute(OIDS.contentType, encodeOid(OIDS.tstInfo)),
      // signing-time is a Time (UTCTime or GeneralizedTime, whole seconds: RFC 5652 §11.3).
      attribute(OIDS.signingTime, encodeTime(new Date(Math.floor(genTime.getTime() / 1000) * 1000))),
      attribute(OIDS.messageDigest, encodeOctetString(digest(hash, tstInfo))),
      attribute(OIDS.signingCertificateV2, this.#signingCertificate),
    );
    const signature = await this.#signer.sign(attrs);
    if (!((signature as unknown) instanceof Uint8Array)) throw new TypeError('signer returned no signature');
    // Check what an external signer (HSM, KMS) produced before handing it out.
    const opts = this.#chain.key.algorithm === 'rsa' ? { hash, rsaPadding: 'pkcs1' as const } : { hash };
    if (!verifySignature(this.#chain.leaf.publicKey, attrs, signature, opts)) throw new Error('signer produced a signature the TSA certificate does not verify');
    const hashAlgorithm = encodeAlgorithmIdentifier(this.#hashOid);
    const signerInfo = encodeSequence(
      encodeInteger(1), // issuerAndSerialNumber → version 1 (RFC 5652 §5.3)
      this.#signerIdentifier,
      hashAlgorithm,
      retagImplicit(0, attrs), // signedAttrs [0] IMPLICIT; signed as SET OF (RFC 5652 §5.4)
      this.#signatureAlgorithm,
      encodeOctetString(signature),
    );
    const signedData = encodeSequence(
      encodeInteger(3), // eContentType is not id-data → version 3 (RFC 5652 §5.1)
      encodeSetOf(hashAlgorithm),
      encodeSequence(encodeOid(OIDS.tstInfo), encodeExplicit(0, encodeOctetString(tstInfo))),
      // RFC 3161 §2.4.1: with certReq the certificate named by ESSCertIDv2 MUST be present.
      ...(certReq ? [encodeExplicit(0, this.#chain.leaf.der)] : []),
      encodeSetOf(signerInfo),
    );
    return encodeSequence(encodeOid(OIDS.signedData), encodeExplicit(0, signedData));
  }
}
