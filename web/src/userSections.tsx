import { useEffect, useId, useState, type ReactNode } from 'react';
import { SCOPE_LABELS, SCOPES, SMART_CALL_LABELS, USER_TYPE_LABELS, type UserType } from './api.ts';
import { grantableScopes } from './perms.ts';
import { useSession } from './session.tsx';
import { CheckField, SelectField, TextField, ringOptions, type Form } from './ui.tsx';
import { formatNumber } from './format.ts';
import { generatePin } from '../../src/modules/users/pin.ts';
import { get } from './api.ts';
import { can } from './perms.ts';

/** A titled block of a user form; `id` is the anchor the section nav jumps to. */
export function Section({ id, title, intro, children, actions }: { id: string; title: string; intro?: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="card form-section" id={id} aria-labelledby={`${id}-h`}>
      <div className="card-head">
        <h2 id={`${id}-h`}>{title}</h2>
        {actions}
      </div>
      {intro && <p className="muted section-intro">{intro}</p>}
      <div className="form-grid">{children}</div>
    </section>
  );
}

export function SubHead({ children, id }: { children: ReactNode; id?: string }) {
  return (
    <h3 className="subhead" id={id}>
      {children}
    </h3>
  );
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyForm = Form<any>;

export function AccountInformation({ form, mode, extensionHint }: { form: AnyForm; mode: 'create' | 'manage'; extensionHint?: ReactNode }) {
  const s = useSession();
  const digits = s.account.extensionLength;
  const scopes = grantableScopes(s.actor, SCOPES);
  const current = form.get('scope') as string;
  const scopeOptions = (scopes.includes(current as never) ? scopes : [...scopes, current]).map((sc) => [sc, SCOPE_LABELS[sc as keyof typeof SCOPE_LABELS] ?? sc] as [string, string]);
  return (
    <>
      <TextField
        form={form}
        name="extension"
        label="Extension Number"
        inputMode="numeric"
        maxLength={16}
        hint={extensionHint ?? (digits ? `${digits} digits` : 'Choose 3 or 4 digits for the first user; lengths cannot be mixed')}
      />
      <TextField form={form} name="firstName" label="First Name" autoFocus={mode === 'create'} maxLength={50} />
      <TextField form={form} name="lastName" label="Last Name" hint="Optional" maxLength={50} />
      <TextField form={form} name="displayName" label="Name" hint="Shown on other handsets when this user calls them. Defaults to first and last name." maxLength={80} />
      <TextField form={form} name="email" label="Email" type="email" nullable hint="Used for voicemail and other PBX mail, and to sign in" inputMode="email" />
      <SelectField
        form={form}
        name="officeId"
        label="Office/Location"
        options={[...(form.get('officeId') ? [] : [['', 'Choose an office…'] as [string, string]]), ...s.offices.map((o): [string, string] => [o.id, o.name])]}
      />
      <SelectField form={form} name="userType" label="User Type" options={(Object.keys(USER_TYPE_LABELS) as UserType[]).map((t) => [t, USER_TYPE_LABELS[t]])} />
      <SelectField form={form} name="scope" label="User's Scope" hint="What this person may do in the portal" options={scopeOptions} />
      <TextField form={form} name="department" label="Department" nullable hint="Optional" maxLength={80} />
      <CheckField form={form} name="includeInDirectory" label="Include user in the company directory" />
    </>
  );
}

/** The account's pickup groups, offered as suggestions (a typo would otherwise make a new group). */
function usePickupGroups(): string[] {
  const s = useSession();
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    get<{ items: Array<{ name: string }> }>(`${s.base}/pickup-groups?limit=200`)
      .then((r) => live && setNames(r.items.map((g) => g.name)))
      .catch(() => live && setNames([]));
    return () => {
      live = false;
    };
  }, [s.base]);
  return names;
}

export function CallSipSettings({ form, sipPassword }: { form: AnyForm; sipPassword: ReactNode }) {
  const s = useSession();
  const groups = usePickupGroups();
  const groupList = useId();
  const mayCreateGroups = can(s.actor, 'groups');
  const office = s.offices.find((o) => o.id === form.get('officeId'));
  const def = office?.defaultOutboundNumber ? `Office default (${formatNumber(office.defaultOutboundNumber)})` : 'Office default (none)';
  return (
    <>
      <SelectField form={form} name="ringTime" label="Ring Time" numeric hint="How long direct calls ring before going to voicemail" options={ringOptions()} />
      <TextField
        form={form}
        name="pickupGroup"
        label="Pickup Group"
        nullable
        list={groupList}
        hint={`Users in the same group can pick up each other's ringing calls. ${mayCreateGroups ? 'Pick a group, or type a new name to create one.' : 'Pick one of the existing groups.'}`}
        maxLength={40}
      />
      <datalist id={groupList}>
        {groups.map((g) => (
          <option key={g} value={g} />
        ))}
      </datalist>
      <SelectField
        form={form}
        name="outboundNumber"
        label="Outbound Phone Number"
        nullable
        hint="The caller ID used for outbound calls"
        options={[['', def], ...s.numbers.map((n) => [n.e164, formatNumber(n.e164)] as [string, string])]}
      />
      <CheckField form={form} name="hideCallerId" label="Hide Caller ID" hint="Withhold the number on outbound calls" />
      <CheckField form={form} name="behindFirewall" label="This extension is behind a firewall" hint="Leave this on unless told otherwise" />
      <div className="field span-2">{sipPassword}</div>
    </>
  );
}

export function VoicemailSettings({ form, pinSet }: { form: AnyForm; pinSet?: boolean }) {
  const enabled = Boolean(form.get('voicemail.enabled'));
  // A generated PIN is shown (the user has to be told it); typing hides it again.
  const [generated, setGenerated] = useState<string | null>(null);
  const pin = form.get('voicemail.pin') as string | null;
  const shown = generated !== null && pin === generated;
  return (
    <>
      <CheckField form={form} name="voicemail.enabled" label="Enable Voicemail for this user" />
      <TextField
        form={form}
        name="voicemail.pin"
        label="Voicemail PIN"
        type={shown ? 'text' : 'password'}
        inputMode="numeric"
        maxLength={12}
        disabled={!enabled}
        hint={
          shown
            ? 'Generated. Tell the user this PIN: it is saved with the user and cannot be read back.'
            : pinSet
              ? 'A PIN is set. Type a new one to change it, or generate one.'
              : '4 to 12 digits, not the extension, not a run such as 1111 or 1234'
        }
        placeholder={pinSet ? '••••' : ''}
        autoComplete="new-password"
        action={
          <button
            type="button"
            className="btn btn-icon"
            aria-label="Generate PIN"
            title="Generate a random PIN"
            disabled={!enabled}
            onClick={() => {
              const next = generatePin(String(form.get('extension') ?? ''));
              form.set('voicemail.pin', next);
              setGenerated(next);
            }}
          >
            <span aria-hidden="true">↻</span>
          </button>
        }
      />
      <CheckField form={form} name="voicemail.emailDelivery" label="Send voicemails by email" disabled={!enabled} />
      <TextField form={form} name="voicemail.email" label="Voicemail email" type="email" nullable disabled={!enabled} hint="Where messages are sent; empty = the user's email" />
      <CheckField form={form} name="voicemail.deleteAfterEmail" label="Delete messages after emailing them" disabled={!enabled} />
      <CheckField form={form} name="voicemail.keepOnServer" label="Enable phone & App Voicemail Access" hint="Keeps messages on the server for 90 days" disabled={!enabled} />
    </>
  );
}

/** Each destination box has its own accessible name ('Divert to (busy)'), not three times 'Divert to'. */
function DiversionRow({ form, name, label, destinationLabel }: { form: AnyForm; name: string; label: string; destinationLabel: string }) {
  const on = Boolean(form.get(`features.${name}.enabled`));
  return (
    <div className="diversion span-2">
      <CheckField form={form} name={`features.${name}.enabled`} label={label} />
      <TextField form={form} name={`features.${name}.destination`} label={destinationLabel} nullable disabled={!on} placeholder="Extension or phone number" inputMode="tel" />
    </div>
  );
}

export function Diversions({ form }: { form: AnyForm }) {
  return (
    <>
      <DiversionRow form={form} name="divertAll" label="Divert all calls" destinationLabel="Divert to (all calls)" />
      <DiversionRow form={form} name="divertNoAnswer" label="Divert calls on no answer" destinationLabel="Divert to (no answer)" />
      <DiversionRow form={form} name="divertBusy" label="Divert calls when busy" destinationLabel="Divert to (busy)" />
    </>
  );
}

export function SmartCalling({ form }: { form: AnyForm }) {
  const on = Boolean(form.get('features.smartCalling.enabled'));
  return (
    <>
      <CheckField form={form} name="features.smartCalling.enabled" label="Enable Smart Calling" hint="Ring your mobile and your extension" />
      <TextField form={form} name="features.smartCalling.number" label="Smart Call Number" nullable disabled={!on} inputMode="tel" placeholder="04xxxxxxxx" />
      <SelectField form={form} name="features.smartCalling.timeout" label="Smart Call Timeout" numeric disabled={!on} options={ringOptions()} />
      <SelectField
        form={form}
        name="features.smartCalling.type"
        label="Smart Call Type"
        disabled={!on}
        options={Object.entries(SMART_CALL_LABELS)}
        hint={
          { sequential: 'Handset first, then mobile', parallel: 'Both at once', parallel_delayed: 'Handset first, then both' }[
            form.get('features.smartCalling.type') as 'sequential'
          ]
        }
      />
      <CheckField form={form} name="features.callbackOnBusy" label="Enable Callback" hint="Offer internal callers a callback when you are busy" />
    </>
  );
}

export function SecuritySettings({ form }: { form: AnyForm }) {
  return (
    <>
      <fieldset className="span-2 checks">
        <legend>Enabled Calls</legend>
        <CheckField form={form} name="security.enabledCalls.local" label="Local" />
        <CheckField form={form} name="security.enabledCalls.national" label="National" />
        <CheckField form={form} name="security.enabledCalls.mobile" label="Mobile" />
        <CheckField form={form} name="security.enabledCalls.international" label="International" />
      </fieldset>
      <fieldset className="span-2 checks">
        <legend>Allow Management of</legend>
        <CheckField form={form} name="security.handsetManagement.updateSettings" label="Update settings" />
        <CheckField form={form} name="security.handsetManagement.toggleDayNight" label="Toggle Day/Night mode" />
        <CheckField form={form} name="security.handsetManagement.updateRecordings" label="Update recordings" />
        <CheckField form={form} name="security.handsetManagement.inCallShortcuts" label="Enable In Call Shortcuts" />
      </fieldset>
      <fieldset className="span-2 checks">
        <legend>Other Features</legend>
        <CheckField form={form} name="security.overrideAccountCodeDialling" label="Override Account Code Dialling" />
        <CheckField form={form} name="security.recordCalls" label="Record calls from this extension" />
      </fieldset>
      <fieldset className="span-2 checks">
        <legend>Training Mode</legend>
        <CheckField form={form} name="security.trainingMode" label="Training Mode" />
        <CheckField form={form} name="security.extensionPrivacy" label="Extension Privacy" />
      </fieldset>
    </>
  );
}

export function AppsSettings({ form }: { form: AnyForm }) {
  return (
    <>
      <CheckField form={form} name="apps.softphone" label="Softphone" hint="Desktop and mobile softphone access" />
      <CheckField form={form} name="apps.crmConnect" label="Connect (CRM integration)" hint="Click-to-call and caller lookup in your CRM" />
    </>
  );
}
