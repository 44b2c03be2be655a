/** Acts as a desk phone fetching its configuration: HTTP over loopback from a chosen source address, Basic or Digest auth. */
import http from 'node:http';
import { basicAuthorization, digestAuthorization } from '../../src/modules/provisioning/auth.ts';

export interface PhoneFetch {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

export function rawGet(baseUrl: string, path: string, headers: Record<string, string> = {}, localAddress?: string, agent?: http.Agent): Promise<PhoneFetch> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: Number(u.port), path, method: 'GET', headers, localAddress, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export interface PhoneOptions {
  auth?: 'digest' | 'basic' | 'none';
  username?: string;
  password?: string;
  userAgent?: string;
  from?: string;
  agent?: http.Agent;
}

/** GET like a phone: first without credentials; on a 401 challenge, answer it (Digest) or send Basic. */
export async function phoneGet(baseUrl: string, path: string, o: PhoneOptions = {}): Promise<PhoneFetch & { challenged: boolean }> {
  const ua = { 'user-agent': o.userAgent ?? 'Switchboard-test-phone/1.0' };
  if (o.auth === 'basic') return { ...(await rawGet(baseUrl, path, { ...ua, authorization: basicAuthorization(o.username!, o.password!) }, o.from, o.agent)), challenged: false };
  const first = await rawGet(baseUrl, path, ua, o.from, o.agent);
  if (first.status !== 401 || o.auth === 'none' || !o.auth) return { ...first, challenged: false };
  const www = first.headers['www-authenticate'];
  const challenges = Array.isArray(www) ? www : www ? [www] : [];
  const digest = challenges.find((c) => /^Digest /i.test(c));
  if (!digest) return { ...first, challenged: true };
  const second = await rawGet(baseUrl, path, { ...ua, authorization: digestAuthorization(digest, o.username!, o.password!, 'GET', path) }, o.from, o.agent);
  return { ...second, challenged: true };
}

/** key = value lines (Yealink). */
export function parseKv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([^#=\s][^=]*?)\s*=\s?(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** <Name ...attrs>value</Name> → value (first occurrence). */
export function xmlElement(text: string, name: string, attrs = ''): string | undefined {
  const re = new RegExp(`<${name.replace(/[[\]]/g, '\\$&')}(\\s[^>]*)?>([^<]*)</${name}>`, 'g');
  for (const m of text.matchAll(re)) if (!attrs || (m[1] ?? '').includes(attrs)) return unescapeXml(m[2]!);
  return undefined;
}

/** name="value" attribute anywhere (Polycom). */
export function xmlAttribute(text: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name.replace(/\./g, '\\.')}="([^"]*)"`).exec(text);
  return m ? unescapeXml(m[1]!) : undefined;
}

function unescapeXml(v: string): string {
  return v.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
