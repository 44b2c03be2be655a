import nodemailer from 'nodemailer';

/** Outgoing email, one interface: nodemailer over SMTP for real, a recording fake in unit tests. */
export interface MailAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** Files to attach (voicemail WAVs). */
  attachments?: MailAttachment[];
}

export interface Mailer {
  readonly configured: boolean;
  send(message: MailMessage): Promise<void>;
  /** Connects and authenticates without sending (`switchboard doctor`); absent when nothing is configured. */
  verify?(): Promise<void>;
}

export interface MailConfig {
  /** smtp://user:pass@host:port or smtps://...; takes precedence over host/port. */
  url?: string;
  host?: string;
  port?: number;
  secure?: boolean;
  user?: string;
  pass?: string;
  from: string;
}

/** SMTP settings from the environment: SMTP_URL, or SMTP_HOST/SMTP_PORT/SMTP_USER/SMTP_PASS/SMTP_SECURE; MAIL_FROM. */
export function mailConfigFromEnv(env: NodeJS.ProcessEnv = process.env): MailConfig | null {
  const from = env.MAIL_FROM ?? 'Switchboard <no-reply@switchboard.invalid>';
  if (env.SMTP_URL) return { url: env.SMTP_URL, from };
  if (env.SMTP_HOST) {
    return {
      host: env.SMTP_HOST,
      port: Number(env.SMTP_PORT ?? 587),
      secure: env.SMTP_SECURE === '1' || env.SMTP_SECURE === 'true',
      user: env.SMTP_USER || undefined,
      pass: env.SMTP_PASS || undefined,
      from,
    };
  }
  return null;
}

export function smtpMailer(config: MailConfig): Mailer {
  const transport = config.url
    ? nodemailer.createTransport(config.url)
    : nodemailer.createTransport({
        host: config.host,
        port: config.port,
        secure: config.secure ?? false,
        ...(config.user && { auth: { user: config.user, pass: config.pass ?? '' } }),
        // Loopback test sinks speak plain SMTP; a real relay negotiates STARTTLS when it offers it.
        ignoreTLS: config.host === '127.0.0.1' && !config.secure,
      });
  return {
    configured: true,
    async verify() {
      await transport.verify();
    },
    async send(m) {
      await transport.sendMail({ from: config.from, to: m.to, subject: m.subject, text: m.text, ...(m.attachments?.length && { attachments: m.attachments }) });
    },
  };
}

/** No SMTP configured: say so (recipient and subject only; the body may hold a set-password link). */
export function unconfiguredMailer(warn: (msg: string) => void = (m) => console.warn(m)): Mailer {
  return {
    configured: false,
    async send(m) {
      warn(`email to ${m.to} ("${m.subject}") not sent: no SMTP configured (set SMTP_URL or SMTP_HOST)`);
    },
  };
}

/** Test fake: records what would have been sent. */
export function fakeMailer(): Mailer & { sent: MailMessage[] } {
  const sent: MailMessage[] = [];
  return {
    configured: true,
    sent,
    async send(m) {
      sent.push(m);
    },
  };
}

export function mailerFromEnv(env: NodeJS.ProcessEnv = process.env): Mailer {
  const config = mailConfigFromEnv(env);
  return config ? smtpMailer(config) : unconfiguredMailer();
}
