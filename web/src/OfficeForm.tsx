import { useMemo, useState } from 'react';
import { patch, post, type Office } from './api.ts';
import { useSession } from './session.tsx';
import { Dialog, FormError, SelectField, TextField, diff, useForm, useToast } from './ui.tsx';
import { COUNTRIES, formatNumber, timezones } from './format.ts';
import { holdMusicName, useMediaLibrary } from './HoldMusic.tsx';

interface OfficeValues {
  name: string;
  country: string;
  timezone: string;
  defaultOutboundNumber: string | null;
  onHoldMusic: string;
  areaCode: string | null;
}

/** 'Add Office' and 'Manage Office': name, country, timezone, default outbound number, on-hold music, area code. */
export function OfficeForm({ office, onClose, onSaved }: { office: Office | null; onClose: () => void; onSaved: (o: Office) => void }) {
  const s = useSession();
  const toast = useToast();
  const initial: OfficeValues = {
    name: office?.name ?? '',
    country: office?.country ?? s.account.country,
    timezone: office?.timezone ?? s.offices.find((o) => o.country === s.account.country)?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC',
    defaultOutboundNumber: office?.defaultOutboundNumber ?? null,
    onHoldMusic: office?.onHoldMusic ?? 'default',
    areaCode: office?.areaCode ?? null,
  };
  const form = useForm<OfficeValues>(initial);
  const [busy, setBusy] = useState(false);
  const tzs = useMemo(() => {
    const all = timezones();
    return all.includes(form.values.timezone) ? all : [form.values.timezone, ...all];
  }, [form.values.timezone]);
  const countries = COUNTRIES.some(([c]) => c === form.values.country) ? COUNTRIES : [[form.values.country, form.values.country] as [string, string], ...COUNTRIES];
  // On Hold Music: 'default' or a track of the account's media library (Hold Music page)
  const library = useMediaLibrary().items;
  const music: Array<[string, string]> = (library?.length ? library : []).map((m) => [m.id, m.name]);
  if (!music.some(([id]) => id === form.values.onHoldMusic)) music.unshift([form.values.onHoldMusic, holdMusicName(form.values.onHoldMusic, library)]);

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    form.clearErrors();
    setBusy(true);
    try {
      const body = office ? (diff(initial, form.values) as Partial<OfficeValues> | undefined) : form.values;
      if (!body) {
        onClose();
        return;
      }
      const saved = office ? await patch<Office>(`${s.base}/offices/${office.id}`, body) : await post<Office>(`${s.base}/offices`, body);
      toast('ok', office ? `Office “${saved.name}” saved` : `Office “${saved.name}” added`);
      onSaved(saved);
    } catch (err) {
      form.takeError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={office ? `Manage Office: ${office.name}` : 'Add Office'}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="office-form" className="btn btn-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      <form id="office-form" onSubmit={save} noValidate className="form-grid">
        <FormError message={form.formError} />
        <TextField form={form} name="name" label="Office Name" hint="For your reference, such as a logical grouping of users" autoFocus maxLength={80} />
        <SelectField form={form} name="country" label="Country" hint="Where the users call out from, and where the phone number belongs" options={countries.map(([c, n]) => [c, `${n} (${c})`])} />
        <SelectField form={form} name="timezone" label="Timezone" hint="Sets the clock shown on the handsets" options={tzs.map((t) => [t, t.replace(/_/g, ' ')])} />
        <SelectField
          form={form}
          name="defaultOutboundNumber"
          label="Default Outbound Number"
          hint="The caller ID used for outbound calls, unless a user has their own"
          nullable
          options={[['', 'None'], ...s.numbers.map((n) => [n.e164, `${formatNumber(n.e164)}${n.label ? ` — ${n.label}` : ''}`] as [string, string])]}
        />
        <SelectField form={form} name="onHoldMusic" label="On Hold Music" hint="What callers hear while you hold them" options={music} />
        <TextField form={form} name="areaCode" label="Area Code" hint="Used when dialling 8 digit numbers" nullable inputMode="numeric" maxLength={6} />
      </form>
    </Dialog>
  );
}
