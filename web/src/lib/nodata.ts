// "No data yet": a business without payment history (the API answers 409 NOT_READY) gets one
// clear next step, connecting Stripe, instead of an error.
import { ApiError } from './api';
import type { Ctx } from './app';
import { h, replace } from './dom';

export function isNoData(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409 && error.code === 'NOT_READY';
}

export function connectHref(businessId: number): string {
  return `/api/v1/integrations/stripe/connect?business_id=${businessId}`;
}

/** Shows the state and returns true when ``error`` means "no data yet". */
export function renderNoData(region: Element, error: unknown, ctx: Ctx, compact = false): boolean {
  if (!isNoData(error) || !ctx.business) return false;
  const connect = ctx.config.stripe_connect
    ? h('a', { class: 'button', href: connectHref(ctx.business.id) }, 'Connect Stripe')
    : h('p', { class: 'muted small' }, 'Stripe Connect is not set up on this server yet (STRIPE_CONNECT_CLIENT_ID).');
  replace(
    region,
    h(
      'div',
      { class: 'notice notice-info', role: 'status', 'data-state': 'no-data' },
      h('p', {}, h('strong', {}, 'No data yet. '), compact ? 'This appears once your Stripe history is in.' : `${ctx.business.name} has no payment history in Vaultra yet. Connect Stripe (read-only) and your score, metrics and next steps appear after the first sync.`),
      compact ? null : connect,
    ),
  );
  return true;
}
