/**
 * Provisioning templates as data files: templates/<vendor>/vendor.json and templates/<vendor>/models/<model>.json
 * (plus templates/defaults.json). Loaded once at start-up; renderers receive the catalog as a plain value.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../shared/paths.ts';

export const VENDORS = ['yealink', 'polycom', 'grandstream', 'snom', 'cisco'] as const;
export type Vendor = (typeof VENDORS)[number];

/** Vendor-native setting name → value. */
export type Params = Record<string, string>;

export interface VendorTemplate {
  vendor: Vendor;
  label: string;
  /** First three octets (6 hex digits) of MAC addresses the vendor ships: used to guess the vendor. */
  ouis: string[];
  params: Params;
}

export interface ModelTemplate {
  model: string;
  label: string;
  /** Programmable line/DSS keys on the handset. */
  lineKeys: number;
  /** SIP registrations the handset supports. */
  lines: number;
  params: Params;
}

export interface Defaults {
  voicemailAccessCode: string;
  ntpServer: string;
  natKeepaliveSeconds: number;
  registrationExpires: number;
  resyncIntervalMinutes: number;
  /** groupPickup (*8) and directedPickup (** + extension) must match the routing rules (PICKUP_CODE, DIRECTED_PICKUP_PREFIX). */
  featureCodes: { dayNight: string; recordings: string; groupPickup: string; directedPickup: string };
}

export interface Catalog {
  defaults: Defaults;
  vendors: Record<Vendor, { template: VendorTemplate; models: Record<string, ModelTemplate> }>;
}

export const TEMPLATE_DIR = join(ROOT, 'src/modules/provisioning/templates');

function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw new Error(`provisioning template ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function stringParams(p: unknown, where: string): Params {
  const out: Params = {};
  if (p === undefined) return out;
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new Error(`${where}: params must be an object`);
  for (const [k, v] of Object.entries(p)) {
    if (typeof v !== 'string') throw new Error(`${where}: params.${k} must be a string`);
    out[k] = v;
  }
  return out;
}

export function loadCatalog(dir = TEMPLATE_DIR): Catalog {
  const defaults = readJson<Defaults>(join(dir, 'defaults.json'));
  const vendors = {} as Catalog['vendors'];
  for (const v of VENDORS) {
    const raw = readJson<VendorTemplate>(join(dir, v, 'vendor.json'));
    if (raw.vendor !== v) throw new Error(`${v}/vendor.json: vendor must be "${v}"`);
    const template: VendorTemplate = { vendor: v, label: raw.label, ouis: (raw.ouis ?? []).map((o) => o.toLowerCase()), params: stringParams(raw.params, `${v}/vendor.json`) };
    const models: Record<string, ModelTemplate> = {};
    for (const file of readdirSync(join(dir, v, 'models')).filter((f) => f.endsWith('.json')).sort()) {
      const m = readJson<ModelTemplate>(join(dir, v, 'models', file));
      if (`${m.model}.json` !== file) throw new Error(`${v}/models/${file}: model must be "${file.slice(0, -5)}"`);
      models[m.model] = { model: m.model, label: m.label, lineKeys: m.lineKeys, lines: m.lines, params: stringParams(m.params, `${v}/models/${file}`) };
    }
    vendors[v] = { template, models };
  }
  return { defaults, vendors };
}

let loaded: Catalog | undefined;
/** The catalog shipped in templates/ (read on first use). */
export function catalog(): Catalog {
  loaded ??= loadCatalog();
  return loaded;
}
