/**
 * rtpengine process manager: starts Debian's `rtpengine` (userspace forwarding, no kernel module: --table=-1)
 * in the foreground as a child we hold by PID, with no config file of the system's (--config-file=none), and
 * waits until its ng control protocol answers `ping`. Kamailio's rtpengine module talks to the same socket.
 */
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnLogged, stopChild, waitUntilReady, type LoggedChild } from './child-process.ts';
import type { RtpengineSettings } from './settings.ts';

export const RTPENGINE_BIN = process.env.RTPENGINE_BIN ?? '/usr/bin/rtpengine';

/** udp:host:port → [host, port]. */
export function ngAddress(socket: string): [string, number] {
  const m = /^udp6?:(.+):(\d+)$/.exec(socket);
  if (!m) throw new Error(`not an rtpengine ng socket: ${socket}`);
  return [m[1]!, Number(m[2])];
}

/** One ng command (bencoded dictionary with string values only); resolves with the raw reply or null on timeout. */
export function ngCommand(socket: string, command: string, timeoutMs = 500): Promise<string | null> {
  const [host, port] = ngAddress(socket);
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    const cookie = randomBytes(6).toString('hex');
    const done = (v: string | null) => {
      clearTimeout(timer);
      sock.close();
      resolve(v);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    sock.on('message', (m) => {
      const s = m.toString();
      if (s.startsWith(`${cookie} `)) done(s.slice(cookie.length + 1));
    });
    sock.on('error', () => done(null));
    sock.send(`${cookie} d7:command${command.length}:${command}e`, port, host);
  });
}

export class RtpengineProcess {
  private proc?: LoggedChild;
  private logText = '';

  constructor(
    readonly settings: RtpengineSettings,
    readonly runDir: string,
  ) {}

  get pid(): number | undefined {
    return this.proc?.child.pid;
  }

  log(): string {
    return this.logText;
  }

  async start(timeoutMs = 10_000): Promise<void> {
    if (!existsSync(RTPENGINE_BIN)) throw new Error(`rtpengine not found at ${RTPENGINE_BIN} (apt-get install rtpengine-daemon, or SWITCHBOARD_RTPENGINE=off)`);
    const [ngHost, ngPort] = ngAddress(this.settings.socket);
    const args = [
      '--config-file=none',
      '--foreground',
      '--log-stderr',
      `--interface=${this.settings.interface}`,
      `--listen-ng=${ngHost}:${ngPort}`,
      `--port-min=${this.settings.ports[0]}`,
      `--port-max=${this.settings.ports[1]}`,
      '--table=-1',
      '--timeout=60',
      '--silent-timeout=3600',
      '--delete-delay=0',
      '--log-level=5',
      `--pidfile=${join(this.runDir, 'rtpengine.pid')}`,
    ];
    // call recording in userspace: every packet of a recorded call into a pcap in the spool, with a metadata
    // file; Switchboard's importer (recordings/spool.ts) makes the WAV. No kernel module, no recording daemon.
    if (this.settings.recordingDir) {
      mkdirSync(this.settings.recordingDir, { recursive: true, mode: 0o700 });
      args.push(`--recording-dir=${this.settings.recordingDir}`, '--recording-method=pcap', '--recording-format=raw');
    }
    this.proc = spawnLogged(RTPENGINE_BIN, args, {
      cwd: this.runDir,
      logFile: join(this.runDir, 'rtpengine.log'),
      onOutput: (chunk) => {
        this.logText = (this.logText + chunk.toString()).slice(-500_000);
      },
    });
    const ready = await waitUntilReady(
      this.proc.exited,
      timeoutMs,
      async () => (await ngCommand(this.settings.socket, 'ping', 300)) === 'd6:result4:ponge',
      (code) => new Error(`rtpengine exited with ${code} during start-up:\n${this.logText.slice(-3000)}`),
    );
    if (ready) return;
    await this.stop();
    throw new Error(`rtpengine did not answer ping within ${timeoutMs} ms:\n${this.logText.slice(-3000)}`);
  }

  /** SIGTERM to the PID we started, SIGKILL after 5 s. */
  async stop(): Promise<void> {
    await stopChild(this.proc);
    this.proc = undefined;
  }
}

export async function startRtpengine(settings: RtpengineSettings, runDir: string): Promise<RtpengineProcess> {
  const p = new RtpengineProcess(settings, runDir);
  await p.start();
  return p;
}
