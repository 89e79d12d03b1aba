// Talking to the Django side over HTTP: CSRF, likes, more cards, engagement events.

import { registry } from './player.js';

export function csrfToken() {
  const cookie = document.cookie.split('; ').find((c) => c.startsWith('csrftoken='));
  if (cookie) return decodeURIComponent(cookie.slice('csrftoken='.length));
  return document.querySelector('meta[name="csrf-token"]')?.content ?? '';
}

export async function postJSON(url, body = {}) {
  const response = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrfToken() },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    const err = new Error(`POST ${url} -> ${response.status}`);
    err.status = response.status;
    throw err;
  }
  return response.json();
}

/** Toggle a like; resolves to {liked, like_count}. */
export function toggleLike(worldId) {
  return postJSON(`/api/worlds/${encodeURIComponent(worldId)}/like/`);
}

/** More cards for the feed, none of `excludeIds`; resolves to an array of card objects. */
export async function fetchCards(url, excludeIds) {
  const query = new URLSearchParams({ exclude: excludeIds.join(',') });
  const response = await fetch(`${url}?${query}`, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`GET ${url} -> ${response.status}`);
  const data = await response.json();
  return Array.isArray(data.cards) ? data.cards : [];
}

const MAX_BATCH = 100;

/**
 * Engagement events (impression / skip / dwell), batched: flushed every few seconds with fetch, and with
 * navigator.sendBeacon when the page is hidden or unloaded (a fetch may not survive that).
 */
export class EventQueue {
  constructor(url, { interval = 5000 } = {}) {
    this.url = url;
    this.queue = [];
    this.sent = []; // every batch posted, newest last (capped) — for tests
    setInterval(() => this.flush(), interval);
    document.addEventListener('visibilitychange', () => document.hidden && this.flush({ beacon: true }));
    window.addEventListener('pagehide', () => this.flush({ beacon: true }));
  }

  push(event) {
    this.queue.push(event);
    if (this.queue.length >= MAX_BATCH) this.flush();
  }

  flush({ beacon = false } = {}) {
    while (this.queue.length) {
      const events = this.queue.splice(0, MAX_BATCH);
      const body = JSON.stringify({ events });
      this.sent.push(events);
      if (this.sent.length > 20) this.sent.shift();
      if (beacon && navigator.sendBeacon?.(this.url, new Blob([body], { type: 'application/json' }))) continue;
      fetch(this.url, {
        method: 'POST',
        credentials: 'same-origin',
        keepalive: true,
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken() },
        body,
      }).catch(() => {
        /* engagement is best effort */
      });
    }
  }
}

let toastTimer = 0;
/** A short unobtrusive message at the bottom of the screen. */
export function toast(text) {
  const el = document.getElementById('toast');
  if (!el) return;
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.hidden = true), 2600);
}

/** Wire every like button under `root` (event delegation; works for cards added later). */
export function bindLikes(root) {
  root.addEventListener('click', async (e) => {
    const button = e.target.closest('[data-action="like"]');
    if (!button || button.disabled) return;
    const card = button.closest('[data-world-id]');
    if (e.detail > 0) button.blur(); // after a mouse/touch click, Space should jump, not like again
    const count = button.querySelector('[data-field="like_count"]');
    const wasLiked = button.getAttribute('aria-pressed') === 'true';
    const before = Number(count.textContent) || 0;
    // Optimistic; the server's answer wins.
    setLike(button, !wasLiked, Math.max(0, before + (wasLiked ? -1 : 1)));
    button.disabled = true;
    try {
      const data = await toggleLike(card.dataset.worldId);
      setLike(button, Boolean(data.liked), Number(data.like_count));
    } catch (err) {
      setLike(button, wasLiked, before);
      toast(err.status === 401 || err.status === 403 ? 'Sign in to like worlds' : 'Couldn’t save your like');
    } finally {
      button.disabled = false;
    }
  });
}

function setLike(button, liked, likeCount) {
  button.setAttribute('aria-pressed', String(liked));
  button.querySelector('[data-field="like_count"]').textContent = String(likeCount);
}

registry.api = { csrfToken };
