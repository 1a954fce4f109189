// Numbers as a lender reads them: money from minor units, percentages, dates.
export function money(minor: number | null | undefined, currency = 'usd', compact = false): string {
  if (minor === null || minor === undefined) return '—';
  return new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency: currency.toUpperCase(),
    maximumFractionDigits: compact || Math.abs(minor) >= 100_000 ? 0 : 2,
    notation: compact ? 'compact' : 'standard',
  }).format(minor / 100);
}

export function pct(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined ? '—' : `${value.toFixed(digits)}%`;
}

export function num(value: number | null | undefined, digits = 0): string {
  return value === null || value === undefined ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits });
}

export function day(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
}

export function dayTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString('en-US', { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
}

/** A component's metric value in its unit: "24.1 months", "$391,503 a year", "0.16% of payments". */
export function metricValue(value: number | null | undefined, unit: string, currency = 'usd'): string {
  if (value === null || value === undefined) return 'not measurable yet';
  const short = unit.split(',')[0] ?? unit;
  if (/cents|minor units/i.test(unit)) return `${money(value, currency)} a year`;
  if (unit.startsWith('%')) return `${value.toFixed(value < 1 ? 2 : 1)}${short}`;
  if (/coefficient of variation/i.test(unit)) return `CV ${value.toFixed(2)}`;
  return `${num(value, 1)} ${short}`;
}

export function words(key: string): string {
  const text = key.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
