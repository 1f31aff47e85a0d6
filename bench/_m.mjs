import { X509Certificate, createPublicKey, verify, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
const b = JSON.parse(readFileSync('/work/main/examples/a.txt.sigstore.json','utf8'));
const der = Buffer.from(b.verificationMaterial.certificate.rawBytes, 'base64');
function t(name, f, n=2000){ for(let i=0;i<100;i++)f(); const s=performance.now(); for(let i=0;i<n;i++) f(); console.log(name, ((performance.now()-s)/n*1000).toFixed(1),'us'); }
const x = new X509Certificate(der);
const jwk = x.publicKey.export({format:'jwk'});
const spki = x.publicKey.export({format:'der',type:'spki'});
t('createPublicKey jwk', () => createPublicKey({key: jwk, format:'jwk'}));
t('createPublicKey spki', () => createPublicKey({key: spki, format:'der', type:'spki'}));
t('createPublicKey pem', () => createPublicKey(x.publicKey.export({format:'pem',type:'spki'})));
t('export jwk', () => x.publicKey.export({format:'jwk'}));
const ko = createPublicKey({key: jwk, format:'jwk'});
const msg = Buffer.from('x'); 
t('verify with jwk key (bad sig)', () => verify('sha256', msg, ko, Buffer.alloc(70,1)));
console.log(process.versions.openssl);
