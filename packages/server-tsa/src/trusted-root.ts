import { DerTag, decodeDerString, derOid, derRaw, derSequence, parseCertificate, parseDer } from '@signet/core';
import { TRUSTED_ROOT_V01_MEDIA_TYPE, type CertificateAuthority, type DistinguishedName, type TrustedRoot } from '@signet/bundle';
import { OIDS } from './oids.js';

/** The organization and common name of a DER Name (first of each; "" when absent). */
function nameParts(nameDer: Buffer): DistinguishedName {
  const out: DistinguishedName = { organization: '', commonName: '' };
  for (const rdn of derSequence(parseDer(nameDer), 'Name', DerTag.SEQUENCE)) {
    for (const atv of derSequence(rdn, 'RelativeDistinguishedName', DerTag.SET)) {
      const [type, value] = derSequence(atv, 'AttributeTypeAndValue');
      if (!type || !value) continue;
      const oid = derOid(type);
      const key = oid === OIDS.organization ? 'organization' : oid === OIDS.commonName ? 'commonName' : undefined;
      if (!key || out[key] !== '') continue;
      try {
        out[key] = decodeDerString(derRaw(value));
      } catch {
        // Not a string type we read: leave the part out; it is descriptive only.
      }
    }
  }
  return out;
}

/**
 * The trusted-root entry of a TSA (protobuf-specs `CertificateAuthority` under
 * `timestampAuthorities`): its URI, its chain leaf → root, the root's subject, and a validity
 * window starting at the leaf's notBefore unless `start` is given.
 */
export function timestampAuthorityEntry(chain: readonly Buffer[], options: { uri: string; start?: Date; operator?: string }): CertificateAuthority {
  const certs = chain.map((der) => parseCertificate(der));
  const leaf = certs[0];
  const root = certs[certs.length - 1];
  if (!leaf || !root) throw new RangeError('a TSA chain has at least one certificate');
  const entry: CertificateAuthority = {
    subject: nameParts(root.subjectDer),
    uri: options.uri,
    certChain: { certificates: chain.map((c) => Buffer.from(c)) },
    validFor: { start: options.start ?? leaf.notBefore },
  };
  if (options.operator) entry.operator = options.operator;
  return entry;
}

/**
 * A trusted root that lists only this TSA under `timestampAuthorities` (no CA, logs or CT logs):
 * what a verifier needs to accept this TSA's timestamps. Serialize with `serializeTrustedRoot`.
 */
export function timestampAuthorityTrustedRoot(chain: readonly Buffer[], options: { uri: string; start?: Date; operator?: string }): TrustedRoot {
  return {
    mediaType: TRUSTED_ROOT_V01_MEDIA_TYPE,
    tlogs: [],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [timestampAuthorityEntry(chain, options)],
  };
}
