/** A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: it throws on anything a
 * scraper would refuse or misread, and checks what the format promises about histograms.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// Go's strconv.ParseFloat, which Prometheus reads values with, takes NaN and Inf in any case (prom-client writes Nan).
const VALUE = /^(?:[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|infinity)|nan)$/i;

function parseValue(text: string, line: string): number {
  if (!VALUE.test(text)) throw new Error(`bad value in: ${line}`);
  const lower = text.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (/^[+]?inf/.test(lower)) return Number.POSITIVE_INFINITY;
  if (lower.startsWith('-inf')) return Number.NEGATIVE_INFINITY;
  return Number(text);
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const m = /^([^=]+)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest);
    if (m === null || m[1] === undefined || m[2] === undefined) throw new Error(`bad labels in: ${line}`);
    if (!LABEL_NAME.test(m[1])) throw new Error(`bad label name ${m[1]} in: ${line}`);
    if (m[1] in labels) throw new Error(`label ${m[1]} twice in: ${line}`);
    labels[m[1]] = m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(m[0].length);
  }
  return labels;
}

/** The family a sample belongs to: its own name, or a histogram's/summary's with its suffix. */
function familyOf(name: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  const own = families.get(name);
  if (own !== undefined) return own;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (m?.[1] === undefined) return undefined;
  const base = families.get(m[1]);
  if (base?.type === 'histogram' || (base?.type === 'summary' && m[2] !== 'bucket')) return base;
  return undefined;
}

/** Parse and validate; throws naming the first line that is wrong. */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, MetricFamily>();
  const helps = new Map<string, string>();
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (m === null) continue;
      const [, kind, name = '', rest = ''] = m;
      if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
      if (kind === 'HELP') {
        if (helps.has(name)) throw new Error(`HELP twice for ${name}`);
        helps.set(name, rest);
      } else {
        if (families.has(name)) throw new Error(`TYPE twice for ${name}`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest))
          throw new Error(`bad TYPE: ${line}`);
        families.set(name, { name, help: helps.get(name) ?? '', type: rest as MetricFamily['type'], samples: [] });
      }
      continue;
    }
    const m = /^([^{\s]+)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
    if (m === null || m[1] === undefined || m[3] === undefined) throw new Error(`bad sample line: ${line}`);
    if (!NAME.test(m[1])) throw new Error(`bad metric name in: ${line}`);
    const family = familyOf(m[1], families);
    if (family === undefined) throw new Error(`sample before (or without) its TYPE: ${line}`);
    family.samples.push({ name: m[1], labels: parseLabels(m[2] ?? '', line), value: parseValue(m[3], line) });
  }
  for (const family of families.values()) {
    if (family.help === '') throw new Error(`no HELP for ${family.name}`);
    if (family.type === 'counter' && family.samples.some((s) => s.value < 0))
      throw new Error(`negative counter ${family.name}`);
    if (family.type === 'histogram') checkHistogram(family);
  }
  return families;
}

/** Buckets cumulative with a +Inf bucket equal to _count, per label set. */
function checkHistogram(family: MetricFamily): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`bucket without le in ${family.name}`);
      entry.buckets.push([parseValue(le, le), s.value]);
    } else if (s.name.endsWith('_count')) entry.count = s.value;
  }
  for (const [key, entry] of series) {
    const last = entry.buckets.at(-1);
    if (last === undefined || last[0] !== Number.POSITIVE_INFINITY)
      throw new Error(`${family.name}${key}: no +Inf bucket last`);
    for (let i = 1; i < entry.buckets.length; i++) {
      const [le, n] = entry.buckets[i] ?? [0, 0];
      const [prevLe, prevN] = entry.buckets[i - 1] ?? [0, 0];
      if (le <= prevLe || n < prevN) throw new Error(`${family.name}${key}: buckets not cumulative`);
    }
    if (entry.count !== last[1]) throw new Error(`${family.name}${key}: +Inf bucket differs from _count`);
  }
}

/** The value of one sample (labels matched exactly), or undefined. */
export function sampleValue(
  families: Map<string, MetricFamily>,
  family: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  return families
    .get(family)
    ?.samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want)?.value;
}
