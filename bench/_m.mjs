import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const addon = createRequire(import.meta.url)('../packages/core/build/Release/signet_digest.node');
const b = JSON.parse(readFileSync('/work/main/examples/a.txt.sigstore.json','utf8'));
import { parseCertificate } from '@signet/core';
const c = parseCertificate(Buffer.from(b.verificationMaterial.certificate.rawBytes, 'base64'));
function t(name, f, n=3000){ for(let i=0;i<100;i++)f(); const s=performance.now(); for(let i=0;i<n;i++) f(); console.log(name, ((performance.now()-s)/n*1000).toFixed(1),'us'); }
t('addon.importPublicKey(spki)', () => addon.importPublicKey(c.spki));
const k = addon.importPublicKey(c.spki);
const d = Buffer.alloc(32, 1);
t('addon.verify', () => addon.verify(k, 'sha256', d, Buffer.from(b.messageSignature.signature,'base64'), 0, 0));
// EC point from SPKI: last BIT STRING
const point = c.spki.subarray(c.spki.length - 65);
t('addon.importEcPublicKey', () => addon.importEcPublicKey('P-256', point));
const k2 = addon.importEcPublicKey('P-256', point);
t('addon.verify k2', () => addon.verify(k2, 'sha256', d, Buffer.from(b.messageSignature.signature,'base64'), 0, 0));
try { addon.importEcPublicKey('P-256', Buffer.alloc(65, 4)); console.log('BAD: accepted off-curve'); } catch (e) { console.log('off-curve rejected:', e.message); }
