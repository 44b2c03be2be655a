import type { FieldError } from '../../shared/errors.ts';
import { isSupportedCountryCode } from '../../shared/phone.ts';
import { SIP_TRANSPORTS, type AccountCreate, type AccountUpdate } from './schema.ts';

export const ACCOUNT_CODE = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
const HOST_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function checkAccountCode(code: string): string | null {
  if (code === 'provider') return "is reserved: provider administrators log in with the account name 'provider'";
  return ACCOUNT_CODE.test(code) ? null : 'must be 2-32 lowercase letters, digits or hyphens, starting with a letter';
}

export function checkSipRealm(realm: string): string | null {
  const labels = realm.split('.');
  if (labels.length < 2 || realm.length > 253 || !labels.every((l) => HOST_LABEL.test(l))) {
    return 'must be a lowercase DNS name such as acme.pbx.example';
  }
  return null;
}

export function checkCountry(country: string): string | null {
  return isSupportedCountryCode(country) ? null : 'must be a supported ISO 3166-1 alpha-2 country code such as AU, IE, GB or US';
}

export function validateAccountCreate(input: AccountCreate): FieldError[] {
  const errors: FieldError[] = [];
  const push = (field: string, reason: string | null) => reason && errors.push({ field, reason });
  push('code', checkAccountCode(input.code));
  push('sipRealm', checkSipRealm(input.sipRealm));
  push('country', checkCountry(input.country));
  if (input.name.trim() === '') errors.push({ field: 'name', reason: 'must not be blank' });
  return errors;
}

export function validateAccountUpdate(input: AccountUpdate): FieldError[] {
  const errors: FieldError[] = [];
  if (input.country !== undefined) {
    const r = checkCountry(input.country);
    if (r) errors.push({ field: 'country', reason: r });
  }
  if (input.name !== undefined && input.name.trim() === '') errors.push({ field: 'name', reason: 'must not be blank' });
  if (input.voicemailRetentionDays !== undefined) {
    const d = input.voicemailRetentionDays;
    if (!Number.isInteger(d) || d < 1 || d > 3650) errors.push({ field: 'voicemailRetentionDays', reason: 'must be a whole number of days from 1 to 3650' });
  }
  if (input.callRetentionDays !== undefined) {
    const d = input.callRetentionDays;
    if (!Number.isInteger(d) || d < 1 || d > 3650) errors.push({ field: 'callRetentionDays', reason: 'must be a whole number of days from 1 to 3650' });
  }
  if (input.maxExternalCalls !== undefined && input.maxExternalCalls !== null) {
    const n = input.maxExternalCalls;
    if (!Number.isInteger(n) || n < 0 || n > 10000) errors.push({ field: 'maxExternalCalls', reason: 'must be a whole number from 0 to 10000, or null for no limit' });
  }
  if (input.recordingRetentionDays !== undefined) {
    const d = input.recordingRetentionDays;
    if (!Number.isInteger(d) || d < 1 || d > 3650) errors.push({ field: 'recordingRetentionDays', reason: 'must be a whole number of days from 1 to 3650' });
  }
  if (input.callbackExpiryMinutes !== undefined) {
    const m = input.callbackExpiryMinutes;
    if (!Number.isInteger(m) || m < 1 || m > 1440) errors.push({ field: 'callbackExpiryMinutes', reason: 'must be a whole number of minutes from 1 to 1440' });
  }
  if (input.sipTransport !== undefined && !(SIP_TRANSPORTS as readonly string[]).includes(input.sipTransport)) {
    errors.push({ field: 'sipTransport', reason: 'must be udp or tls' });
  }
  return errors;
}
