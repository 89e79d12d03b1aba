// Remix, share and follow: the card's Remix and Share sheets (feed and world page) and the world page's
// panel buttons. "Remix from this moment" asks the live session for a snapshot over the play socket
// ({type: 'remix_moment'}, docs/protocol.md) and opens the remix form that starts from it.
//
// Everything user-provided is written with textContent; links come from the server's own URLs.

import { csrfToken, toast } from './api.js';
import { registry } from './player.js';

const MOMENT_TIMEOUT_MS = 8000;
const MOMENT_ERRORS = {
  not_live: 'Wait for the world to start, then try again',
  not_remixable: 'Only published worlds can be remixed',
  busy: 'Already saving a moment…',
  throttled: 'Too many moments — wait a minute',
  snapshot_failed: 'This world couldn’t save the moment — try again',
};

/** POST JSON; resolves to {status, data} whatever the status (network errors reject). */
async function post(url, body = {}) {
  const response = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrfToken() },
    body: JSON.stringify(body),
  });
  let data = {};
  try {
    data = await response.json();
  } catch {
    /* an empty or HTML body */
  }
  return { status: response.status, data };
}

function loginUrl() {
  return `/login/?next=${encodeURIComponent(location.pathname + location.hash)}`;
}

/** Toast the server's message for a refused request; true if it was refused. */
function refused({ status, data }, what) {
  if (status === 401) {
    toast(`Sign in to ${what}`);
    setTimeout(() => location.assign(loginUrl()), 900);
    return true;
  }
  if (status === 429) {
    toast(data.error || 'Slow down a little');
    return true;
  }
  if (status >= 400) {
    toast(data.error || 'Something went wrong');
    return true;
  }
  return false;
}

/** The live Player showing world `worldId`, if any. */
function livePlayer(worldId) {
  const player = registry.world?.player ?? registry.player;
  return player && String(player.worldId) === String(worldId) && player.live ? player : null;
}

/**
 * Capture the current moment of `player`'s session. Resolves to {id, remix_url, preview_url}; rejects with
 * an Error whose message is for the user.
 */
export function captureMoment(player) {
  return new Promise((resolve, reject) => {
    const done = (fn, value) => {
      clearTimeout(timer);
      player.removeEventListener('message', onMessage);
      fn(value);
    };
    const onMessage = (event) => {
      const msg = event.detail;
      if (msg.type === 'moment') done(resolve, msg);
      else if (msg.type === 'error' && MOMENT_ERRORS[msg.code]) done(reject, new Error(MOMENT_ERRORS[msg.code]));
    };
    const timer = setTimeout(() => done(reject, new Error(MOMENT_ERRORS.snapshot_failed)), MOMENT_TIMEOUT_MS);
    player.addEventListener('message', onMessage);
    if (!player.send({ type: 'remix_moment' })) done(reject, new Error(MOMENT_ERRORS.not_live));
  });
}

/** Capture the moment of world `worldId` and go to its remix form; `button` shows progress. */
async function remixFromMoment(worldId, button) {
  const player = livePlayer(worldId);
  if (!player) {
    toast(MOMENT_ERRORS.not_live);
    return;
  }
  const label = button?.querySelector('[data-label]') ?? button;
  const before = label?.textContent;
  if (button) button.disabled = true;
  if (label) label.textContent = 'Saving this moment…';
  try {
    const moment = await captureMoment(player);
    registry.lastMoment = moment;
    location.assign(moment.remix_url);
  } catch (err) {
    toast(err.message);
    if (button) button.disabled = false;
    if (label) label.textContent = before;
  }
}

async function shareLink(worldId, url) {
  const absolute = new URL(url, location.href).href;
  let via = 'clipboard';
  try {
    if (navigator.share && document.documentElement.classList.contains('has-touch')) {
      via = 'native';
      await navigator.share({ url: absolute });
    } else {
      await navigator.clipboard.writeText(absolute);
      toast('Link copied');
    }
  } catch (err) {
    if (err?.name === 'AbortError') return; // the share sheet was dismissed
    via = 'shown';
    toast(absolute);
  }
  post(`/api/worlds/${encodeURIComponent(worldId)}/share/`, { via }).catch(() => {});
}

async function toggleBookmark(worldId, saved) {
  const result = await post(`/api/worlds/${encodeURIComponent(worldId)}/bookmark/`, { saved });
  if (refused(result, 'save worlds')) return null;
  toast(result.data.saved ? 'Saved to your profile' : 'Removed from saved');
  return result.data.saved;
}

async function notInterested(worldId) {
  const result = await post(`/api/worlds/${encodeURIComponent(worldId)}/not-interested/`);
  if (refused(result, 'tune your feed')) return;
  toast('Got it — fewer worlds like this');
  if (registry.feed && String(registry.feed.worldId) === String(worldId)) registry.feed.go(1);
}

// ---- the bottom sheet -----------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function icon(name) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', 'true');
  const use = document.createElementNS('http://www.w3.org/2000/svg', 'use');
  use.setAttribute('href', `#${name}`);
  svg.append(use);
  return svg;
}

/** items: [{icon, title, detail, href? | onSelect?, accent?, disabled?, name}] */
function openSheet(title, items) {
  document.querySelector('dialog.sheet')?.remove();
  const list = el('div', { class: 'sheet__items' });
  for (const item of items) {
    const body = [
      el('span', { class: 'sheet__icon' }, icon(item.icon)),
      el('span', { class: 'sheet__text' }, el('strong', { text: item.title, 'data-label': '' }),
        el('small', { text: item.detail ?? '' })),
    ];
    const cls = `sheet__item${item.accent ? ' sheet__item--accent' : ''}`;
    const node = item.href
      ? el('a', { class: cls, href: item.href, 'data-sheet-item': item.name }, ...body)
      : el('button', { class: cls, type: 'button', 'data-sheet-item': item.name }, ...body);
    if (item.disabled) node.disabled = true;
    if (item.onSelect) {
      node.addEventListener('click', async () => {
        const keepOpen = await item.onSelect(node);
        if (!keepOpen) dialog.close();
      });
    }
    list.append(node);
  }
  const cancel = el('button', { class: 'sheet__cancel', type: 'button', text: 'Cancel' });
  const dialog = el('dialog', { class: 'sheet', 'aria-label': title },
    el('div', { class: 'sheet__grab', 'aria-hidden': 'true' }), el('p', { class: 'sheet__title', text: title }), list, cancel);
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('click', (e) => e.target === dialog && dialog.close()); // a tap on the backdrop
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

function cardInfo(card) {
  return {
    id: card.dataset.worldId,
    title: card.querySelector('[data-field="title"]')?.textContent ?? 'this world',
    url: card.querySelector('[data-link="url"]')?.getAttribute('href') ?? `/w/${card.dataset.worldId}/`,
    remixUrl: card.querySelector('[data-link="remix_url"]')?.getAttribute('href') ?? `/w/${card.dataset.worldId}/remix/`,
  };
}

function openRemixSheet(card) {
  const world = cardInfo(card);
  const live = Boolean(livePlayer(world.id));
  openSheet(`Remix “${world.title}”`, [
    {
      name: 'moment',
      icon: 'i-moment',
      accent: true,
      title: 'Remix from this moment',
      detail: live ? 'Start a new world exactly where you are now' : 'Play the world first, then capture a moment',
      disabled: !live,
      onSelect: async (button) => {
        await remixFromMoment(world.id, button);
        return true; // leaving the page, or the toast explains
      },
    },
    { name: 'start', icon: 'i-remix', title: 'Remix from the start', detail: 'Same prompt and mechanics, your twist', href: world.remixUrl },
  ]);
}

function openShareSheet(card) {
  const world = cardInfo(card);
  openSheet(`Share “${world.title}”`, [
    { name: 'copy', icon: 'i-link', title: 'Copy link', detail: 'A page where anyone can play it', onSelect: () => shareLink(world.id, world.url) },
    { name: 'save', icon: 'i-bookmark', title: 'Save', detail: 'Keep it on your profile', onSelect: () => toggleBookmark(world.id, true) },
    { name: 'not-interested', icon: 'i-eye-off', title: 'Not interested', detail: 'See fewer worlds like this', onSelect: () => notInterested(world.id) },
    { name: 'report', icon: 'i-flag', title: 'Report', detail: 'Something’s wrong with this world', href: `${world.url}#report` },
  ]);
}

// ---- wiring ---------------------------------------------------------------------------------------

document.addEventListener('click', (event) => {
  const action = event.target.closest('.card [data-action="remix"], .card [data-action="share"]');
  if (!action) return;
  const card = action.closest('[data-world-id]');
  if (!card) return;
  event.preventDefault();
  if (event.detail > 0) action.blur(); // Space should jump, not reopen the sheet
  if (action.dataset.action === 'remix') openRemixSheet(card);
  else openShareSheet(card);
});

const page = document.querySelector('[data-world-page]');
const pageCard = page?.querySelector('.card[data-world-id]');
if (page && pageCard) {
  const world = cardInfo(pageCard);
  page.querySelector('[data-remix-moment]')?.addEventListener('click', (e) => remixFromMoment(world.id, e.currentTarget));
  page.querySelector('[data-share-link]')?.addEventListener('click', () => shareLink(world.id, world.url));
  const bookmark = page.querySelector('[data-bookmark]');
  bookmark?.addEventListener('click', async () => {
    const saved = await toggleBookmark(world.id, bookmark.getAttribute('aria-pressed') !== 'true');
    if (saved === null) return;
    bookmark.setAttribute('aria-pressed', String(saved));
    bookmark.querySelector('use')?.setAttribute('href', saved ? '#i-bookmark-on' : '#i-bookmark');
    bookmark.querySelector('[data-bookmark-label]').textContent = saved ? 'Saved' : 'Save';
  });
  const follow = page.querySelector('[data-follow]');
  follow?.addEventListener('click', async () => {
    const wanted = follow.getAttribute('aria-pressed') !== 'true';
    const result = await post(`/api/worlds/${encodeURIComponent(world.id)}/follow/`, { following: wanted });
    if (refused(result, 'follow creators')) return;
    follow.setAttribute('aria-pressed', String(result.data.following));
    follow.querySelector('[data-follow-label]').textContent = result.data.following ? 'Following' : 'Follow';
    const count = page.querySelector('[data-followers]');
    if (count) count.textContent = String(result.data.followers);
  });
  if (location.hash === '#report') page.querySelector('#report')?.setAttribute('open', '');
}

registry.social = { captureMoment, remixFromMoment };
