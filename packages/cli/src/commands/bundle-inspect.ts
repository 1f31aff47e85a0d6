import { readFile } from 'node:fs/promises';
import { encodeHex, parseCertificate, type Certificate } from '@signet/core';
import { parseBundle, type Bundle } from '@signet/bundle';
import { certificateClaims, certificateIdentity, certificateIssuer, parseRFC3161Timestamp } from '@signet/verify';
import { CliError } from '../errors.js';

/** What `bundle inspect` reports. Nothing here is verified: it is a reading aid. */
export interface BundleSummary {
  mediaType: string;
  version: string;
  content: 'messageSignature' | 'dsseEnvelope';
  payloadType?: string;
  signer:
    | { kind: 'certificate'; identity?: string; issuer?: string; notBefore: string; notAfter: string; claims: Record<string, string> }
    | { kind: 'publicKey'; hint: string };
  tlogEntries: { logIndex: number; logId: string; kind: string; integratedTime?: string; inclusionProof: boolean; signedEntryTimestamp: boolean }[];
  rfc3161Timestamps: { genTime?: string; error?: string }[];
  verifyCommand: string;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Summarises a bundle without verifying it. */
export function summarizeBundle(bundle: Bundle, bundlePath: string): BundleSummary {
  const vm = bundle.verificationMaterial;
  let cert: Certificate | undefined;
  if (vm.content.$case === 'certificate') cert = parseCertificate(vm.content.certificate);
  else if (vm.content.$case === 'x509CertificateChain' && vm.content.x509CertificateChain.certificates[0]) {
    cert = parseCertificate(vm.content.x509CertificateChain.certificates[0]);
  }
  const signer: BundleSummary['signer'] = cert
    ? {
        kind: 'certificate',
        ...(certificateIdentity(cert) !== undefined ? { identity: certificateIdentity(cert) as string } : {}),
        ...(certificateIssuer(cert) !== undefined ? { issuer: certificateIssuer(cert) as string } : {}),
        notBefore: cert.notBefore.toISOString(),
        notAfter: cert.notAfter.toISOString(),
        claims: certificateClaims(cert) as Record<string, string>,
      }
    : { kind: 'publicKey', hint: vm.content.$case === 'publicKey' ? vm.content.publicKey.hint : '' };
  const flags =
    signer.kind === 'certificate'
      ? `--certificate-identity ${shellQuote(signer.identity ?? '<IDENTITY>')} --certificate-oidc-issuer ${shellQuote(signer.issuer ?? '<ISSUER>')}`
      : '--key <PUBLIC-KEY.pem>';
  return {
    mediaType: bundle.mediaType,
    version: bundle.version,
    content: bundle.content.$case,
    ...(bundle.content.$case === 'dsseEnvelope' ? { payloadType: bundle.content.dsseEnvelope.payloadType } : {}),
    signer,
    tlogEntries: vm.tlogEntries.map((e) => ({
      logIndex: e.logIndex,
      logId: encodeHex(e.logId.keyId),
      kind: `${e.kindVersion.kind}/${e.kindVersion.version}`,
      ...(e.integratedTime > 0 ? { integratedTime: new Date(e.integratedTime * 1000).toISOString() } : {}),
      inclusionProof: e.inclusionProof !== undefined,
      signedEntryTimestamp: e.inclusionPromise !== undefined,
    })),
    rfc3161Timestamps: vm.timestampVerificationData.rfc3161Timestamps.map((t) => {
      try {
        return { genTime: parseRFC3161Timestamp(t).timestamp.genTime.toISOString() };
      } catch (e) {
        return { error: (e as Error).message };
      }
    }),
    verifyCommand: `signet verify-blob <ARTIFACT> --bundle ${shellQuote(bundlePath)} ${flags}`,
  };
}

/** Renders a summary for people. */
export function formatSummary(s: BundleSummary): string {
  const lines = [`Bundle:      ${s.mediaType} (v${s.version}), ${s.content}${s.payloadType ? ` (${s.payloadType})` : ''}`];
  if (s.signer.kind === 'certificate') {
    lines.push(`Identity:    ${s.signer.identity ?? '(none)'}`, `Issuer:      ${s.signer.issuer ?? '(none)'}`, `Certificate: valid ${s.signer.notBefore} – ${s.signer.notAfter}`);
    for (const [k, v] of Object.entries(s.signer.claims)) if (k !== 'issuer') lines.push(`  ${k}: ${v}`);
  } else {
    lines.push(`Signer:      public key${s.signer.hint ? ` (hint ${s.signer.hint})` : ''}`);
  }
  for (const e of s.tlogEntries) {
    lines.push(`Log entry:   index ${e.logIndex}, ${e.kind}, log ${e.logId.slice(0, 16)}…${e.integratedTime ? `, integrated ${e.integratedTime}` : ''}${e.inclusionProof ? ', inclusion proof' : ''}${e.signedEntryTimestamp ? ', SET' : ''}`);
  }
  for (const t of s.rfc3161Timestamps) lines.push(`Timestamp:   RFC 3161 ${t.genTime ?? `(unreadable: ${t.error})`}`);
  lines.push('', 'Nothing above is verified. To verify:', `  ${s.verifyCommand}`);
  return lines.join('\n');
}

/** `signet bundle inspect B [--json]`. */
export async function inspectBundle(path: string, json: boolean): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new CliError('ERR_CLI_IO', `cannot read bundle ${path}`, { cause });
  }
  const summary = summarizeBundle(parseBundle(text), path);
  return json ? JSON.stringify(summary, null, 2) : formatSummary(summary);
}
