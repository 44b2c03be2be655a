import { useEffect, useId, useMemo, useState } from 'react';
import { ApiError, get, patch, post, type Office, type Page, type User } from './api.ts';
import { useSession } from './session.tsx';
import { Dialog, FormError, SelectField, TextField, diff, useForm, useToast } from './ui.tsx';
import { COUNTRIES, COUNTRY_ZONES, countryName, formatNumber, timezones, timezonesFor } from './format.ts';
import { holdMusicName, useMediaLibrary } from './HoldMusic.tsx';

interface OfficeValues {
  name: string;
  country: string;
  timezone: string;
  defaultOutboundNumber: string | null;
  onHoldMusic: string;
  areaCode: string | null;
  dayDestination: string;
  nightDestination: string;
}

const DESTINATION_HINT = "An extension (a user's or a ring group's, e.g. 101), voicemail:101 for a mailbox, busy or none";

/** 'Add Office' and 'Manage Office': name, country, timezone, default outbound number, on-hold music, area code, Day/Night. */
export function OfficeForm({ office, onClose, onSaved, onModeChanged }: { office: Office | null; onClose: () => void; onSaved: (o: Office) => void; onModeChanged?: (o: Office) => void }) {
  const s = useSession();
  const toast = useToast();
  const initial: OfficeValues = {
    name: office?.name ?? '',
    country: office?.country ?? s.account.country,
    timezone: office?.timezone ?? s.offices.find((o) => o.country === s.account.country)?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC',
    defaultOutboundNumber: office?.defaultOutboundNumber ?? null,
    onHoldMusic: office?.onHoldMusic ?? 'default',
    areaCode: office?.areaCode ?? null,
    dayDestination: office?.dayDestination ?? 'none',
    nightDestination: office?.nightDestination ?? 'none',
  };
  const form = useForm<OfficeValues>(initial);
  const [busy, setBusy] = useState(false);
  // Timezone: a searchable list (type any part of the name), the chosen country's zones first; current IANA
  // names only (the browser's old aliases such as Asia/Calcutta are replaced by their current names).
  const tz = useMemo(() => timezonesFor(form.values.country), [form.values.country]);
  const tzList = useId();
  const known = useMemo(() => new Set(timezones()), []);
  const country = form.values.country;
  useEffect(() => {
    // a new country whose zones do not include the chosen one: its main zone instead
    const own = COUNTRY_ZONES[country];
    if (own?.length && !own.includes(form.values.timezone)) form.set('timezone', own[0]!);
  }, [country]);
  const countries = COUNTRIES.some(([c]) => c === form.values.country) ? COUNTRIES : [[form.values.country, form.values.country] as [string, string], ...COUNTRIES];
  // On Hold Music: 'default' or a track of the account's media library (Hold Music page)
  const library = useMediaLibrary().items;
  const music: Array<[string, string]> = (library?.length ? library : []).map((m) => [m.id, m.name]);
  if (!music.some(([id]) => id === form.values.onHoldMusic)) music.unshift([form.values.onHoldMusic, holdMusicName(form.values.onHoldMusic, library)]);
  const [mode, setMode] = useState<'day' | 'night'>(office?.dayNightMode ?? 'day');
  const [switching, setSwitching] = useState(false);
  const [suggestions, setSuggestions] = useState<Array<[string, string]>>([]);
  const destList = useId();
  useEffect(() => {
    // suggestions only: the field accepts any destination the server validates
    let live = true;
    void Promise.all([
      get<Page<User>>(`${s.base}/users?limit=200`).catch(() => ({ items: [] as User[] })),
      get<Page<{ extension: string; name: string }>>(`${s.base}/ring-groups?limit=200`).catch(() => ({ items: [] as Array<{ extension: string; name: string }> })),
    ]).then(([users, groups]) => {
      if (!live) return;
      setSuggestions([
        ...users.items.map((u) => [u.extension, `${u.extension} ${u.displayName}`] as [string, string]),
        ...groups.items.map((g) => [g.extension, `${g.extension} ${g.name} (ring group)`] as [string, string]),
        ...users.items.filter((u) => u.voicemail?.enabled !== false).map((u) => [`voicemail:${u.extension}`, `Voicemail of ${u.extension} ${u.displayName}`] as [string, string]),
        ['busy', 'Busy'],
        ['none', 'None'],
      ]);
    });
    return () => {
      live = false;
    };
  }, [s.base]);

  /** The Day/Night switch is operational: it takes effect at once (no Save, no Apply Changes). */
  const toggleMode = async () => {
    if (!office) return;
    const next = mode === 'day' ? 'night' : 'day';
    setSwitching(true);
    try {
      const saved = await post<Office>(`${s.base}/offices/${office.id}/day-night`, { mode: next });
      setMode(saved.dayNightMode);
      onModeChanged?.(saved);
      toast('ok', `${saved.name} is now in ${saved.dayNightMode === 'night' ? 'Night' : 'Day'} mode`);
    } catch (err) {
      form.takeError(err);
    } finally {
      setSwitching(false);
    }
  };

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    form.clearErrors();
    if (!known.has(form.values.timezone) && form.values.timezone !== initial.timezone) {
      form.takeError(new ApiError(422, 'validation_failed', 'timezone', [{ field: 'timezone', reason: 'choose a timezone from the list (type part of a city, e.g. Sydney)' }]));
      return;
    }
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
        <TextField form={form} name="timezone" label="Timezone" hint={`Sets the clock shown on the handsets. Type to search; ${countryName(country)}'s zones are listed first.`} list={tzList} maxLength={64} />
        <datalist id={tzList}>
          {[...tz.country, ...tz.others].map((z) => (
            <option key={z} value={z}>
              {tz.country.includes(z) ? `${countryName(country)}: ${z.replace(/_/g, ' ')}` : z.replace(/_/g, ' ')}
            </option>
          ))}
        </datalist>
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
        <fieldset className="span-2 day-night" aria-labelledby={`${destList}-h`}>
          <h3 className="subhead" id={`${destList}-h`}>
            Day/Night
          </h3>
          <p className="muted span-2">
            Calls to the office's main number (its Default Outbound Number) go to the day or the night destination, by the current mode. Phones with the Day/Night key
            (*28) switch it too.
          </p>
          {office && (
            <div className="day-night-mode span-2" role="group" aria-label="Day/Night mode">
              <span data-testid="day-night-mode">
                Current mode: <strong>{mode === 'night' ? 'Night' : 'Day'}</strong>
              </span>{' '}
              <button type="button" className="btn" onClick={() => void toggleMode()} disabled={switching} aria-pressed={mode === 'night'}>
                {switching ? 'Switching…' : mode === 'day' ? 'Switch to Night mode' : 'Switch to Day mode'}
              </button>
              <span className="hint"> Takes effect at once. Destination changes are saved with the office and reach calls with Apply Changes.</span>
            </div>
          )}
          <TextField form={form} name="dayDestination" label="Day destination" hint={DESTINATION_HINT} list={destList} maxLength={32} />
          <TextField form={form} name="nightDestination" label="Night destination" hint={DESTINATION_HINT} list={destList} maxLength={32} />
          <datalist id={destList}>
            {suggestions.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </datalist>
        </fieldset>
      </form>
    </Dialog>
  );
}
