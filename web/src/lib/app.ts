// What every signed-in page shares: who is signed in, which business is in view, the header's
// business switcher and sign-out, and one way to show loading, empty and error states.
//
// Pages are static HTML; their markup (header, headings, placeholders) is there before any
// script runs, and every failure below ends in a visible message, never a blank region.
import { api, ApiError, type BusinessSummary, type Profile, type WebConfig } from './api';
import { byId, h, replace } from './dom';

export interface Ctx {
  me: Profile;
  config: WebConfig;
  business: BusinessSummary | null;
}

const STORE = (userId: number) => `vaultra.business.${userId}`;

function chooseBusiness(me: Profile): BusinessSummary | null {
  const ids = new Map(me.businesses.map((b) => [b.id, b]));
  const asked = Number(new URLSearchParams(location.search).get('business'));
  const remembered = Number(localStorage.getItem(STORE(me.id)));
  const chosen = ids.get(asked) ?? ids.get(remembered) ?? (me.businesses.length === 1 ? me.businesses[0] : undefined);
  if (chosen) localStorage.setItem(STORE(me.id), String(chosen.id));
  return chosen ?? null;
}

/** The same page for another business (other query parameters, like a conversation, drop). */
export function switchTo(businessId: number, path = location.pathname): void {
  location.assign(`${path}?business=${businessId}`);
}

function renderSwitcher(me: Profile, business: BusinessSummary | null): void {
  const slot = byId('business-slot');
  if (!slot) return;
  if (!me.businesses.length) {
    replace(slot, h('span', { class: 'muted' }, 'No business yet'));
    return;
  }
  const select = h('select', { id: 'business-switcher', name: 'business', 'aria-label': 'Business' });
  if (!business) select.appendChild(h('option', { value: '', selected: true, disabled: true }, 'Choose a business…'));
  for (const b of me.businesses) {
    select.appendChild(h('option', { value: b.id, selected: b.id === business?.id }, b.name));
  }
  select.addEventListener('change', () => switchTo(Number(select.value)));
  replace(slot, h('label', { class: 'visually-hidden', for: 'business-switcher' }, 'Business'), select);
}

function wireHeader(me: Profile, business: BusinessSummary | null): void {
  const who = byId('who');
  if (who) replace(who, me.full_name || me.email);
  renderSwitcher(me, business);
  for (const link of document.querySelectorAll<HTMLAnchorElement>('a[data-keeps-business]')) {
    if (business) link.href = `${link.pathname}?business=${business.id}`;
  }
  byId<HTMLButtonElement>('sign-out')?.addEventListener('click', async () => {
    try {
      await api.signOut();
    } finally {
      location.assign('/signin/?signed_out=1');
    }
  });
}

/** Shows an error that stops the page (the API is unreachable, say) in the main region. */
export function showFatal(error: unknown): void {
  const main = byId('main');
  const message = error instanceof ApiError ? error.message : 'The page could not start. Reload to try again.';
  const box = h('div', { class: 'notice notice-error', role: 'alert', id: 'fatal' }, h('p', {}, message), retryButton(() => location.reload()));
  if (main) main.prepend(box);
}

function installSafetyNet(): void {
  const report = () => {
    const alert = byId('page-alert');
    if (alert && !alert.textContent) replace(alert, 'Part of this page failed to load. Reload to try again.');
  };
  window.addEventListener('error', report);
  window.addEventListener('unhandledrejection', report);
}

async function boot(): Promise<Ctx | null> {
  installSafetyNet();
  try {
    const [me, config] = await Promise.all([api.me(), api.config()]);
    const business = chooseBusiness(me);
    wireHeader(me, business);
    document.body.dataset['ready'] = 'true';
    return { me, config, business };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null; // on its way to sign in
    showFatal(error);
    return null;
  }
}

let started: Promise<Ctx | null> | null = null;

/** The page's context, resolved once however many components ask. */
export function ready(): Promise<Ctx | null> {
  started ??= boot();
  return started;
}

export function retryButton(retry: () => void, label = 'Retry'): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'button button-secondary' }, label);
  button.addEventListener('click', retry);
  return button;
}

/** The message for a failed call, in the region that asked; with a retry where one helps. */
export function showError(region: Element, error: unknown, retry?: () => void): void {
  const e = error instanceof ApiError ? error : new ApiError(500, 'CLIENT_ERROR', 'Something went wrong while showing this.');
  const parts: (Node | string)[] = [h('p', {}, e.message)];
  if (e.code === 'NEEDS_BUSINESS_SELECTION') parts.push(h('p', {}, 'Choose a business in the switcher at the top.'));
  if (e.requestId && e.status >= 500) parts.push(h('p', { class: 'muted small' }, `Reference: ${e.requestId}`));
  if (retry && (e.offline || e.status >= 500 || e.status === 429)) parts.push(retryButton(retry));
  replace(region, h('div', { class: `notice ${e.status === 409 ? 'notice-info' : 'notice-error'}`, role: e.status === 409 ? 'status' : 'alert', 'data-error': e.code }, ...parts));
}

/** Runs ``load`` for a region: busy while it runs, the error (with retry) if it fails. */
export async function region(element: HTMLElement | null, load: () => Promise<void>): Promise<void> {
  if (!element) return;
  element.setAttribute('aria-busy', 'true');
  try {
    await load();
  } catch (error) {
    showError(element, error, () => void region(element, load));
  } finally {
    element.removeAttribute('aria-busy');
  }
}

/** "No business chosen" or "no business yet": the one message every business page shows. */
export function needsBusiness(element: HTMLElement | null, ctx: Ctx): boolean {
  if (ctx.business || !element) return !ctx.business;
  const message = ctx.me.businesses.length
    ? h('p', {}, 'You have several businesses. Choose one in the switcher at the top.')
    : h('p', {}, 'No business yet. Create one on the ', h('a', { href: '/dashboard/' }, 'dashboard'), ' to get started.');
  replace(element, h('div', { class: 'notice notice-info', role: 'status', 'data-error': 'NEEDS_BUSINESS' }, message));
  return true;
}
