import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { encodeBase64, importPrivateKey, parseCertificate } from '@signet/core';
import { TRUSTED_ROOT_V01_MEDIA_TYPE, type TrustedRootJSON } from '@signet/bundle';
import type { TokenVerifierOptions } from '@signet/oidc';
import { SAFE_FASTIFY_OPTIONS, openCTLog, registerCTLogRoutes, type CTLog } from '@signet/server-ctlog';
import { CAError } from './errors.js';
import { loadCAConfig, type CAConfig } from './config.js';
import { CertificateAuthority } from './ca.js';
import { CA_BODY_LIMIT, fulcioErrorHandler, registerCARoutes } from './routes.js';
import { loadCAKeys, loadOrCreateCAKeys, spkiOf, type CAFiles } from './signer.js';

/** How to run the CA with its CT log. */
export interface CAServerOptions {
  /** Holds `ca/` (CA keys, first start), `ctlog/` (CT key and log), `trusted_root.json`. */
  dataDir: string;
  /** Listen address; default 127.0.0.1, port 0 (any free port). */
  host?: string;
  port?: number;
  /** The issuer configuration (file path, or an already validated config). */
  issuers: string | CAConfig;
  /** Use an existing CA (PEM files) instead of the generated one. */
  caFiles?: CAFiles;
  /** URL written into trusted_root.json; default the listening URL. */
  publicUrl?: string;
  /** Token verifier options (tests inject fetch/clock). */
  tokenVerifierOptions?: TokenVerifierOptions;
  clock?: () => Date;
  /** Largest request body; default 64 KiB. */
  bodyLimit?: number;
}

/** A running CA + CT log. */
export interface CAServer {
  readonly url: string;
  readonly ca: CertificateAuthority;
  readonly ctLog: CTLog;
  readonly app: FastifyInstance;
  readonly trustedRoot: TrustedRootJSON;
  /** Path of the trusted_root.json written. */
  readonly trustedRootPath: string;
  close(): Promise<void>;
}

function loadOrCreateCTKey(dir: string): KeyObject {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'ct-key.pem');
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
  }
  try {
    return importPrivateKey(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new CAError('ERR_CA_KEYSTORE', `cannot read the CT log key ${path}`, { cause });
  }
}

/** The trusted root listing this CA's chain and CT log (sigstore_trustroot.proto). */
export function buildTrustedRoot(o: { url: string; chain: readonly Buffer[]; ctLog: CTLog; validFrom: Date }): TrustedRootJSON {
  const start = o.validFrom.toISOString();
  return {
    mediaType: TRUSTED_ROOT_V01_MEDIA_TYPE,
    tlogs: [],
    certificateAuthorities: [{
      subject: { organization: 'signet', commonName: 'signet-ca' },
      uri: o.url,
      certChain: { certificates: o.chain.map((c) => ({ rawBytes: encodeBase64(c) })) },
      validFor: { start },
    }],
    ctlogs: [{
      baseUrl: `${o.url}/ct`,
      hashAlgorithm: 'SHA2_256',
      publicKey: { rawBytes: encodeBase64(spkiOf(o.ctLog.publicKey)), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
      logId: { keyId: encodeBase64(o.ctLog.logId) },
    }],
    timestampAuthorities: [],
  };
}

/**
 * Starts the CA and its CT log on one fastify server (`/api/v2/...`, `/ct/v1/...`), creating
 * CA and CT keys on first start, and writes `<dataDir>/trusted_root.json`.
 * @throws CAError `ERR_CA_CONFIG`, `ERR_CA_KEYSTORE`
 */
export async function startCAServer(o: CAServerOptions): Promise<CAServer> {
  const config = typeof o.issuers === 'string' ? loadCAConfig(o.issuers) : o.issuers;
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const keys = o.caFiles ? loadCAKeys(o.caFiles) : await loadOrCreateCAKeys(join(o.dataDir, 'ca'), o.clock ? { now: o.clock() } : {});
  const ctKey = loadOrCreateCTKey(join(o.dataDir, 'ctlog'));
  const ctLog = await openCTLog({ dataDir: join(o.dataDir, 'ctlog'), privateKey: ctKey, roots: [keys.root], ...(o.clock ? { clock: o.clock } : {}) });
  let app: FastifyInstance | undefined;
  try {
    // The CA logs its precertificates through the in-process path (issuer chain checked once);
    // /ct/v1/add-pre-chain keeps every check for other submitters.
    const ca = new CertificateAuthority({
      config, keys, ctLog: ctLog.issuerSubmitter(keys.intermediate.equals(keys.root) ? [keys.root] : [keys.intermediate, keys.root]),
      ...(o.clock ? { clock: o.clock } : {}),
      ...(o.tokenVerifierOptions ? { tokenVerifierOptions: o.tokenVerifierOptions } : {}),
    });
    const { default: fastify } = await import('fastify');
    app = fastify({ ...SAFE_FASTIFY_OPTIONS, bodyLimit: o.bodyLimit ?? CA_BODY_LIMIT });
    // JSON only: fastify's default text/plain parser would let other media types through (415 instead).
    app.removeContentTypeParser('text/plain');
    app.setErrorHandler(fulcioErrorHandler);
    registerCARoutes(app, ca);
    registerCTLogRoutes(app, ctLog);
    const address = await app.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 0 });
    const url = o.publicUrl ?? address.replace('0.0.0.0', '127.0.0.1');
    const notBefore = parseCertificate(keys.root).notBefore;
    const trustedRoot = buildTrustedRoot({ url, chain: ca.chain(), ctLog, validFrom: notBefore });
    const trustedRootPath = join(o.dataDir, 'trusted_root.json');
    writeFileSync(`${trustedRootPath}.tmp`, `${JSON.stringify(trustedRoot, null, 2)}\n`);
    renameSync(`${trustedRootPath}.tmp`, trustedRootPath);
    const server = app;
    return {
      url, ca, ctLog, app: server, trustedRoot, trustedRootPath,
      async close() {
        try {
          await server.close();
        } finally {
          await ctLog.close();
        }
      },
    };
  } catch (err) {
    await app?.close().catch(() => undefined);
    await ctLog.close();
    throw err;
  }
}
