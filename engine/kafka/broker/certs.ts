// A throwaway certificate authority and broker certificate for the SASL_SSL listener, made with openssl so
// the TLS path is exercised with real certificates. The broker keystore is PKCS12 (Java reads it directly);
// clients get the CA as PEM.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { requireCommand } from './jars.ts';

export interface BrokerCerts {
  /** CA certificate (PEM) that clients must trust. */
  caPath: string;
  keystorePath: string;
  keystorePassword: string;
}

const password = 'streamlake-local';

export function ensureCerts(dir: string, host = '127.0.0.1'): BrokerCerts {
  mkdirSync(dir, { recursive: true });
  const p = (name: string): string => join(dir, name);
  const result = { caPath: p('ca.pem'), keystorePath: p('broker.p12'), keystorePassword: password };
  if (existsSync(result.caPath) && existsSync(result.keystorePath)) return result;
  requireCommand('openssl', 'to make the certificates of the broker\'s TLS listener');
  const run = (args: string[]): void => { execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] }); };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', '/CN=Streamlake local CA',
    '-keyout', p('ca.key'), '-out', p('ca.pem'), '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${host}`, '-keyout', p('broker.key'), '-out', p('broker.csr')]);
  const ext = host.match(/^[\d.]+$/) ? `subjectAltName=IP:${host},DNS:localhost` : `subjectAltName=DNS:${host}`;
  execFileSync('sh', ['-c', `printf '%s\\n' "$1" > "$2"`, 'sh', ext, p('broker.ext')]);
  run(['x509', '-req', '-in', p('broker.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '3650',
    '-extfile', p('broker.ext'), '-out', p('broker.pem')]);
  run(['pkcs12', '-export', '-in', p('broker.pem'), '-inkey', p('broker.key'), '-certfile', p('ca.pem'), '-name', 'broker',
    '-out', p('broker.p12'), '-passout', `pass:${password}`]);
  return result;
}
