/**
 * Telling a handset to fetch its configuration again (SIP NOTIFY Event: check-sync). One interface per
 * concern: the SIP integration implements it with the SIP server; until then the default records the
 * request (the device shows resync.requestedAt / status 'recorded' and the next fetch clears 'pending').
 */
export interface DeviceRef {
  id: string;
  accountId: string;
  mac: string;
  vendor: string;
  /** The SIP user the handset registers as (NOTIFY goes to its contact); null for a spare. */
  sipUsername?: string | null;
}

export type CheckSyncResult = 'sent' | 'recorded';

export interface DeviceNotifier {
  sendCheckSync(device: DeviceRef): Promise<CheckSyncResult>;
}

/** Default until the SIP server integration exists: nothing is sent; the request is recorded by the caller. */
export const recordOnlyNotifier: DeviceNotifier = {
  async sendCheckSync() {
    return 'recorded';
  },
};

/** Test fake: remembers every request; can be told to fail. */
export function createRecordingNotifier(result: CheckSyncResult | Error = 'sent'): DeviceNotifier & { calls: DeviceRef[] } {
  const calls: DeviceRef[] = [];
  return {
    calls,
    async sendCheckSync(device) {
      calls.push(device);
      if (result instanceof Error) throw result;
      return result;
    },
  };
}
