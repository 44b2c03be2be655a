/**
 * A small Prometheus registry (text exposition format 0.0.4): counters, gauges read at scrape time and
 * histograms, with labels. In-process: counters start at 0 when Switchboard starts (Prometheus handles resets).
 */
type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function key(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

export class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    const v = this.values.get(k);
    if (v) v.value += by;
    else this.values.set(k, { labels, value: by });
  }
  get(labels: Labels = {}): number {
    return this.values.get(key(labels))?.value ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const v of this.values.values()) lines.push(`${this.name}${labelText(v.labels)} ${v.value}`);
    return lines.join('\n');
  }
}

export class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}
  observe(value: number, labels: Labels = {}): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  count(labels: Labels = {}): number {
    return this.series.get(key(labels))?.count ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(b) })} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines.join('\n');
  }
}

/** A gauge whose samples are read when scraped (from the store, from Kamailio). Null = unknown: not exposed. */
export interface GaugeSource {
  name: string;
  help: string;
  read(): Promise<{ labels?: Labels; value: number }[] | null>;
}

export class MetricsRegistry {
  readonly callAttempts = new Counter('switchboard_call_attempts_total', 'Call attempts routed or refused, by direction');
  readonly callFailures = new Counter('switchboard_call_failures_total', 'Calls that ended without being answered, by final SIP code');
  readonly callLimitRefusals = new Counter('switchboard_call_limit_refusals_total', 'Outbound calls refused by a concurrent external call limit, by scope');
  readonly routeLatency = new Histogram('switchboard_sip_route_duration_seconds', 'Time to answer Kamailio\'s routing question (GET /sip/route)', [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]);
  private readonly gauges: GaugeSource[] = [];

  addGauge(g: GaugeSource): void {
    this.gauges.push(g);
  }

  async render(): Promise<string> {
    const parts = [this.callAttempts.render(), this.callFailures.render(), this.callLimitRefusals.render(), this.routeLatency.render()];
    for (const g of this.gauges) {
      const samples = await g.read().catch(() => null);
      if (!samples) continue;
      parts.push([`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`, ...samples.map((s) => `${g.name}${labelText(s.labels ?? {})} ${s.value}`)].join('\n'));
    }
    return `${parts.join('\n')}\n`;
  }
}
