/**
 * SIP over TLS: Kamailio's tls module configuration (tls.cfg, rendered beside kamailio.cfg) and the self-signed
 * certificate `switchboard sip start` makes once for local use when no certificate is configured
 * (SWITCHBOARD_SIP_TLS_CERT / _KEY, docs/sip.md "SIP over TLS and SRTP").
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, rename, unlink } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensurePrivateDir } from '../../shared/private-folder.ts';
import type { SipTlsSettings } from './settings.ts';

const run = promisify(execFile);

/** Kamailio's tls module (Debian kamailio-tls-modules), in the template's mpath. */
export const TLS_MODULE = '/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so';

export const SELF_SIGNED_CERT = 'sip-tls-cert.pem';
export const SELF_SIGNED_KEY = 'sip-tls-key.pem';

/**
 * The self-signed pair in `dir` (0700): made with the openssl CLI the first time (EC P-256, 10 years, the listen
 * address as CN and subjectAltName), reused afterwards. The key is 0600. Returns the two file paths.
 */
export async function ensureSelfSignedCert(dir: string, host: string): Promise<{ certFile: string; keyFile: string; created: boolean }> {
  const certFile = join(dir, SELF_SIGNED_CERT);
  const keyFile = join(dir, SELF_SIGNED_KEY);
  if (existsSync(certFile) && existsSync(keyFile)) return { certFile, keyFile, created: false };
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(host)) throw new Error(`cannot make a certificate for the listen address ${host}`);
  await ensurePrivateDir(dir);
  const tmpCert = `${certFile}.tmp`;
  const tmpKey = `${keyFile}.tmp`;
  const san = isIP(host) ? `IP:${host}` : `DNS:${host}`;
  try {
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3650',
      '-subj', `/CN=${host}/O=Switchboard (self-signed)`, '-addext', `subjectAltName=${san}`,
      '-keyout', tmpKey, '-out', tmpCert,
    ]);
    await chmod(tmpKey, 0o600);
    await chmod(tmpCert, 0o644);
    await rename(tmpKey, keyFile);
    await rename(tmpCert, certFile);
  } catch (err) {
    await unlink(tmpKey).catch(() => {});
    await unlink(tmpCert).catch(() => {});
    throw new Error(`could not make a self-signed SIP TLS certificate with openssl: ${(err as Error).message}`);
  }
  return { certFile, keyFile, created: true };
}

/**
 * tls.cfg for Kamailio's tls module: the server presents the configured certificate (TLS 1.2 or newer); phones are
 * not asked for a client certificate (they authenticate with SIP digest, as over UDP). Kamailio as a TLS client
 * (calls to a phone whose connection is gone) does not verify the phone's certificate: phones mostly have none
 * a CA signed.
 */
export function renderTlsConfig(tls: SipTlsSettings): string {
  for (const [k, v] of Object.entries({ certificate: tls.certFile, private_key: tls.keyFile })) {
    if (/[\r\n#]/.test(v)) throw new Error(`TLS ${k} path may not contain line breaks or #`);
  }
  return [
    '# Switchboard: Kamailio tls module configuration (rendered by switchboard sip start, src/modules/sip/tls.ts)',
    '[server:default]',
    'method = TLSv1.2+',
    'verify_certificate = no',
    'require_certificate = no',
    `certificate = ${tls.certFile}`,
    `private_key = ${tls.keyFile}`,
    '',
    '[client:default]',
    'method = TLSv1.2+',
    'verify_certificate = no',
    'require_certificate = no',
    '',
  ].join('\n');
}
