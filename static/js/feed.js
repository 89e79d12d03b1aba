// The swipe feed: full-screen cards on a CSS scroll-snap track; the card that settles plays live.
//
// Moving: native touch scroll / wheel (scroll-snap does the paging), ArrowUp/ArrowDown/PageUp/PageDown
// (exactly one card per press). Settling is detected with `scrollend`, backed by a short debounce on
// `scroll`; only then does the settled card open its play socket, and the card it replaced closes its
// own. The next card's preview is loaded eagerly so it shows at once.

import { EventQueue, bindLikes, fetchCards, toast } from './api.js';
import { renderCard } from './cards.js';
import { KeyboardControls } from './keyboard.js';
import { Player, keepCrisp, registry } from './player.js';
import { Touchpad, enableTouchUI } from './touchpad.js';

const SETTLE_DEBOUNCE_MS = 120;
const SKIP_MS = 2000; // leaving a card sooner than this is a skip
const LOAD_MORE_WHEN_LEFT = 3; // fetch more cards when this few remain after the focused one
// Wheel: one card per gesture. A gesture ends after a quiet gap, or when a new push (delta growing
// again) starts while a trackpad's inertia tail is still dying away.
const WHEEL_THRESHOLD_PX = 40;
const WHEEL_QUIET_MS = 220;
const WHEEL_MIN_INTERVAL_MS = 350;
const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');

class Feed {
  constructor(root) {
    this.root = root;
    this.template = document.getElementById('card-template');
    this.moreUrl = root.dataset.moreUrl;
    this.events = new EventQueue(root.dataset.eventsUrl);
    this.cards = [...root.querySelectorAll(':scope > .card[data-world-id]')];
    this.players = new Map(); // card -> Player (made on first focus)
    this.touchpads = new Map(); // card -> Touchpad
    this.index = -1;
    this.active = null;
    this.focusedAt = 0;
    this.dwelling = false;
    this.navTarget = null;
    this.loading = false;
    this.exhausted = false;
    this.lastScrollAt = 0;
    this.settleTimer = 0;
    this.wheel = { at: -Infinity, sum: 0, last: 0, locked: false, movedAt: -Infinity };

    this.keyboard = new KeyboardControls({
      onButtons: (buttons) => this.activePlayer?.setButtons(buttons, 'keyboard'),
      onNavigate: (delta) => this.go(delta),
    });
    this.io = new IntersectionObserver((entries) => this._onIntersect(entries), { root, threshold: 0.5 });
    for (const card of this.cards) this._adopt(card);

    root.addEventListener('scroll', () => this._onScroll(), { passive: true });
    root.addEventListener('wheel', (e) => this._onWheel(e), { passive: false });
    root.addEventListener('scrollend', () => {
      clearTimeout(this.settleTimer);
      this.settle(performance.now());
    });
    document.addEventListener('visibilitychange', () => this._onVisibility(document.hidden));
    window.addEventListener('pagehide', () => this._onVisibility(true));
    window.addEventListener('pageshow', (e) => e.persisted && this._onVisibility(false));
    bindLikes(root);
    const stage = this.cards[0]?.querySelector('.card__stage');
    if (stage) keepCrisp(stage);

    if ('scrollRestoration' in history) history.scrollRestoration = 'manual';
    this.settle(performance.now());
  }

  get activePlayer() {
    return this.active ? this.players.get(this.active) : null;
  }

  /** Move `delta` cards (keyboard); repeated presses before settling add up. */
  go(delta) {
    if (!this.cards.length) return;
    const from = this.navTarget ?? this.index;
    const to = Math.max(0, Math.min(this.cards.length - 1, from + delta));
    if (to === from) {
      if (delta > 0) this.exhausted ? toast('You’re all caught up') : this.loadMore();
      return;
    }
    this.navTarget = to;
    this.root.scrollTo({ top: this.cards[to].offsetTop, behavior: reducedMotion.matches ? 'instant' : 'smooth' });
  }

  /** Focus the card the track rests on, if it rests on one. `requestedAt`: when it came to rest. */
  settle(requestedAt) {
    if (!this.cards.length) return;
    const top = this.root.scrollTop;
    let idx = 0;
    for (let i = 1; i < this.cards.length; i++) {
      if (Math.abs(this.cards[i].offsetTop - top) < Math.abs(this.cards[idx].offsetTop - top)) idx = i;
    }
    if (Math.abs(this.cards[idx].offsetTop - top) > 2) return; // still between cards (finger down)
    this.navTarget = null;
    if (idx !== this.index) this.focus(idx, requestedAt);
  }

  focus(idx, requestedAt = performance.now()) {
    const card = this.cards[idx];
    if (this.active && this.active !== card) this._leave(this.active);
    this.index = idx;
    this.active = card;
    card.classList.add('is-active');
    card.setAttribute('aria-current', 'true');
    this._enter();
    const player = this._player(card);
    player.start({ requestedAt });
    player.setButtons(this.keyboard.buttons, 'keyboard');
    this._preload(idx + 1);
    this._preload(idx - 1);
    if (idx >= this.cards.length - 1 - LOAD_MORE_WHEN_LEFT) this.loadMore();
  }

  async loadMore() {
    if (this.loading || this.exhausted || !this.moreUrl || !this.template) return;
    this.loading = true;
    this.root.setAttribute('aria-busy', 'true');
    try {
      const known = new Set(this.cards.map((c) => c.dataset.worldId));
      const cards = await fetchCards(this.moreUrl, [...known]);
      let added = 0;
      for (const data of cards) {
        if (known.has(String(data.id))) continue;
        known.add(String(data.id));
        const card = renderCard(this.template, data, this.cards.length + 1);
        showReason(card, data.reason);
        this.root.append(card);
        this.cards.push(card);
        this._adopt(card);
        added += 1;
      }
      if (!added) this.exhausted = true;
      else this._preload(this.index + 1);
    } catch (err) {
      console.debug('worldfeed: could not load more cards', err);
    } finally {
      this.loading = false;
      this.root.setAttribute('aria-busy', 'false');
    }
  }

  // ---- internals -------------------------------------------------------------------------------

  _adopt(card) {
    this.io.observe(card);
    const pad = card.querySelector('[data-touchpad]');
    if (pad) {
      this.touchpads.set(
        card,
        new Touchpad(pad, (buttons) => card === this.active && this.players.get(card)?.setButtons(buttons, 'touch')),
      );
    }
  }

  _player(card) {
    let player = this.players.get(card);
    if (!player) {
      player = new Player(card.querySelector('[data-player]'), { worldId: card.dataset.worldId });
      this.players.set(card, player);
    }
    return player;
  }

  _enter() {
    this.focusedAt = performance.now();
    this.dwelling = true;
    this.events.push({ type: 'impression', world: Number(this.active.dataset.worldId) });
  }

  _endDwell(card) {
    if (!this.dwelling) return;
    this.dwelling = false;
    const ms = Math.round(performance.now() - this.focusedAt);
    this.events.push({ type: ms < SKIP_MS ? 'skip' : 'dwell', world: Number(card.dataset.worldId), ms });
  }

  _leave(card) {
    this._endDwell(card);
    this.players.get(card)?.stop('left');
    this.touchpads.get(card)?.reset();
    card.classList.remove('is-active');
    card.removeAttribute('aria-current');
  }

  _onScroll() {
    this.lastScrollAt = performance.now();
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => this.settle(this.lastScrollAt), SETTLE_DEBOUNCE_MS);
  }

  /**
   * Scroll snapping alone treats a small wheel step as a pixel scroll and snaps back to the same card,
   * and a trackpad flick's inertia as many cards; so the feed pages on wheel gestures itself.
   */
  _onWheel(e) {
    if (e.ctrlKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) return; // pinch-zoom, sideways
    e.preventDefault();
    const w = this.wheel;
    const now = performance.now();
    const px = e.deltaMode === 1 ? e.deltaY * 40 : e.deltaMode === 2 ? e.deltaY * this.root.clientHeight : e.deltaY;
    const newPush = Math.abs(px) > Math.max(8, Math.abs(w.last) * 1.8);
    if (now - w.at > WHEEL_QUIET_MS || (w.locked && newPush && now - w.movedAt > WHEEL_MIN_INTERVAL_MS)) {
      w.sum = 0;
      w.locked = false;
    }
    w.at = now;
    w.last = px;
    if (w.locked) return;
    w.sum += px;
    if (Math.abs(w.sum) >= WHEEL_THRESHOLD_PX) {
      w.locked = true;
      w.movedAt = now;
      this.go(Math.sign(w.sum));
    }
  }

  _onIntersect(entries) {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const idx = this.cards.indexOf(entry.target);
      this._preload(idx); // a card half in view shows its preview now, whatever lazy loading thinks
      this._preload(idx + 1);
    }
  }

  _preload(idx) {
    const card = this.cards[idx];
    if (!card) return;
    for (const img of card.querySelectorAll('img[data-preview]')) {
      if (img.loading !== 'eager') img.loading = 'eager';
    }
  }

  _onVisibility(hidden) {
    if (!this.active) return;
    if (hidden) {
      // The player closes its own socket; the dwell ends here and is sent before the page may die.
      this._endDwell(this.active);
      this.touchpads.get(this.active)?.reset();
      this.events.flush({ beacon: true });
    } else if (!this.dwelling) {
      this._enter();
    }
  }
}

/** "Why this world?": the recommender's reason for a card loaded later (textContent only). */
function showReason(card, reason) {
  const why = card.querySelector('[data-why]');
  if (!why) return;
  const text = why.querySelector('[data-field="reason"]');
  if (text) text.textContent = String(reason ?? '');
  why.hidden = !reason;
}

const root = document.querySelector('[data-feed]');
if (root) {
  enableTouchUI();
  const feed = new Feed(root);
  registry.events = feed.events;
  registry.feed = {
    get index() {
      return feed.index;
    },
    get worldId() {
      return feed.active ? Number(feed.active.dataset.worldId) : null;
    },
    get cardCount() {
      return feed.cards.length;
    },
    get worldIds() {
      return feed.cards.map((c) => Number(c.dataset.worldId));
    },
    go: (delta) => feed.go(delta),
  };
}
