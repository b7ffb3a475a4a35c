/** Numbers, dates and labels as the console shows them. Pure; UTC, en-US digits, no locale surprises. */
import { formatShare } from '../posture/shares.js';
import { type Html, html } from './html.js';

export function count(n: number | null | undefined): string {
  return typeof n === 'number' && Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
}

/** A share 0..1 as people read it everywhere (shares.ts: "62.5 %"); – when unknown. */
export function percent(share: number | null | undefined): string {
  return typeof share === 'number' && Number.isFinite(share) ? formatShare(share) : '–';
}

/** "2026-05-04 07:00 UTC" with a machine-readable <time>. */
export function dateTime(iso: string | null | undefined): Html {
  if (!iso) return html`<span class="muted">never</span>`;
  const d = new Date(iso);
  if (!Number.isFinite(d.getTime())) return html`${iso}`;
  const text = `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return html`<time datetime="${d.toISOString()}">${text}</time>`;
}

/** "3 days ago" relative to `now`, for freshness at a glance. */
export function ago(iso: string | null | undefined, now: Date): string {
  if (!iso) return 'never';
  const ms = now.getTime() - Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const abs = Math.abs(ms);
  const unit = (n: number, u: string) => `${n} ${u}${n === 1 ? '' : 's'}`;
  const text =
    abs < 90_000
      ? 'just now'
      : abs < 5_400_000
        ? unit(Math.round(abs / 60_000), 'minute')
        : abs < 129_600_000
          ? unit(Math.round(abs / 3_600_000), 'hour')
          : unit(Math.round(abs / 86_400_000), 'day');
  if (text === 'just now') return text;
  return ms >= 0 ? `${text} ago` : `in ${text}`;
}

export const POSTURE_LABEL: Record<string, string> = {
  nonDestructive: 'Non-destructive reset ready',
  destructiveOnly: 'Destructive only',
  noHelloKey: 'No Hello key',
  unknown: 'Unknown',
  stale: 'Report too old',
  notReported: 'No report',
  entraRegistered: 'Entra registered only',
};

const POSTURE_TONE: Record<string, 'ok' | 'bad' | 'warn' | 'neutral'> = {
  nonDestructive: 'ok',
  destructiveOnly: 'bad',
  unknown: 'warn',
  noHelloKey: 'neutral',
  stale: 'neutral',
  notReported: 'neutral',
  entraRegistered: 'neutral',
};

/** A posture as a badge whose text says it (colour is never the only cue). */
export function postureBadge(posture: string | null | undefined): Html {
  const p = posture ?? 'unknown';
  return html`<span class="badge ${POSTURE_TONE[p] ?? 'neutral'}">${POSTURE_LABEL[p] ?? p}</span>`;
}

export function canResetBadge(value: string | null | undefined, raw?: string | null): Html {
  if (value === 'DestructiveAndNonDestructive')
    return html`<span class="badge ok">DestructiveAndNonDestructive</span>`;
  if (value === 'DestructiveOnly') return html`<span class="badge bad">DestructiveOnly</span>`;
  if (value) return html`<span class="badge warn">${value}</span>`;
  return html`<span class="badge neutral">${raw ? `not recognised: ${raw}` : 'no CanReset line'}</span>`;
}

export const TARGETING_LABEL: Record<string, string> = {
  enabled: 'Enabled by policy',
  disabled: 'Disabled by policy',
  notConfigured: 'No policy reaches it',
  conflict: 'Policies conflict',
  dependsOnFilter: 'Depends on an assignment filter',
};
