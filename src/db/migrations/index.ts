import type { Kysely, Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_core.ts';
import * as m0010 from './0010_users_search.ts';
import * as m0101 from './0101_auth.ts';
import * as m0120 from './0120_rate_limits.ts';
import * as m0201 from './0201_groups_call_flows.ts';
import * as m0202 from './0202_imports_config_versions.ts';
import * as m0203 from './0203_office_day_night.ts';
import * as m0204 from './0204_numbering_plan.ts';
import * as m0210 from './0210_ring_group_fallback.ts';
import * as m0301 from './0301_devices_provisioning.ts';
import * as m0401 from './0401_sip_subscribers.ts';
import * as m0402 from './0402_presence.ts';
import * as m0403 from './0403_sip_force_nat.ts';
import * as m0410 from './0410_sip_location.ts';
import * as m0420 from './0420_calls.ts';
import * as m0430 from './0430_sip_transport.ts';
import * as m0501 from './0501_voicemail.ts';
import * as m0510 from './0510_callbacks.ts';
import * as m0601 from './0601_media.ts';
import * as m0610 from './0610_recordings.ts';

export interface MigrationContext {
  dialect: 'sqlite' | 'postgres';
}

type MigrationModule = { up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> };

/**
 * Numbered, forward-only migrations. Append new ones with the next number; never edit a landed one.
 * Numbers are reserved per area so parallel work does not collide: 00xx core, 01xx auth/audit,
 * 02xx numbers/import/config versions, 03xx devices/provisioning, 04xx SIP, 05xx voicemail, 06xx media (0610–0619 call recording).
 */
const MIGRATIONS: Record<string, MigrationModule> = {
  '0001_core': m0001,
  '0010_users_search': m0010,
  '0101_auth': m0101,
  '0120_rate_limits': m0120,
  '0201_groups_call_flows': m0201,
  '0202_imports_config_versions': m0202,
  '0203_office_day_night': m0203,
  '0204_numbering_plan': m0204,
  '0210_ring_group_fallback': m0210,
  '0301_devices_provisioning': m0301,
  '0401_sip_subscribers': m0401,
  '0402_presence': m0402,
  '0403_sip_force_nat': m0403,
  '0410_sip_location': m0410,
  '0420_calls': m0420,
  '0430_sip_transport': m0430,
  '0501_voicemail': m0501,
  '0510_callbacks': m0510,
  '0601_media': m0601,
  '0610_recordings': m0610,
};

export function migrationProvider(ctx: MigrationContext): MigrationProvider {
  return {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, mod] of Object.entries(MIGRATIONS)) out[name] = { up: (db) => mod.up(db, ctx) };
      return out;
    },
  };
}
