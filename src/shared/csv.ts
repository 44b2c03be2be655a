/**
 * Spreadsheet formula injection (CWE-1236): a cell starting with = + - @ (or tab/CR) is prefixed with a quote,
 * so Excel or LibreOffice shows it as text instead of running it. Every CSV Switchboard writes goes through this.
 */
export function csvSafe(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

/** The inverse for CSV Switchboard reads back (a re-imported export): `'+61…` is `+61…` again. */
export function csvUnsafe(v: string): string {
  return /^'[=+\-@\t\r]/.test(v) ? v.slice(1) : v;
}
