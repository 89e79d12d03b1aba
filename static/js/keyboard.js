// Desktop controls: held keys -> held buttons; optional feed navigation keys.
//
// Keys are matched by `code` (the physical key), so WASD sits under the left hand on any layout.
// In the feed, ArrowUp/ArrowDown/PageUp/PageDown move between worlds, so in-world up/down is W/S;
// on a world page (`navigate: null`) the up/down arrows move in the world too.

import { canonicalButtons } from './player.js';

const PLAY_KEYS = Object.freeze({
  KeyW: 'up',
  KeyS: 'down',
  KeyA: 'left',
  KeyD: 'right',
  ArrowLeft: 'left',
  ArrowRight: 'right',
  Space: 'jump',
});
const ARROW_PLAY_KEYS = Object.freeze({ ArrowUp: 'up', ArrowDown: 'down' });
const NAV_KEYS = Object.freeze({ ArrowUp: -1, PageUp: -1, ArrowDown: 1, PageDown: 1 });
// Synthetic events sometimes carry only `key`.
const KEY_TO_CODE = Object.freeze({
  w: 'KeyW', a: 'KeyA', s: 'KeyS', d: 'KeyD', W: 'KeyW', A: 'KeyA', S: 'KeyS', D: 'KeyD', ' ': 'Space',
  ArrowLeft: 'ArrowLeft', ArrowRight: 'ArrowRight', ArrowUp: 'ArrowUp', ArrowDown: 'ArrowDown',
  PageUp: 'PageUp', PageDown: 'PageDown',
});

function isTextEntry(el) {
  return el instanceof HTMLElement && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
}

function isActivatable(el) {
  return el instanceof HTMLElement && /^(BUTTON|A|SUMMARY)$/.test(el.tagName) && !el.closest('[data-touchpad]');
}

export class KeyboardControls {
  /**
   * @param {{onButtons: (names: string[]) => void, onNavigate?: ((delta: number) => void) | null}} options
   */
  constructor({ onButtons, onNavigate = null }) {
    this.onButtons = onButtons;
    this.onNavigate = onNavigate;
    this.keys = onNavigate ? PLAY_KEYS : { ...PLAY_KEYS, ...ARROW_PLAY_KEYS };
    this.held = new Map(); // code -> button
    this._lastKey = '';
    window.addEventListener('keydown', (e) => this._down(e));
    window.addEventListener('keyup', (e) => this._up(e));
    window.addEventListener('blur', () => this.releaseAll());
    document.addEventListener('visibilitychange', () => document.hidden && this.releaseAll());
  }

  /** Buttons currently held on the keyboard, in protocol order. */
  get buttons() {
    return canonicalButtons(this.held.values());
  }

  releaseAll() {
    this.held.clear();
    this._emit();
  }

  _code(e) {
    return e.code || KEY_TO_CODE[e.key] || '';
  }

  _down(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTextEntry(e.target)) return;
    const code = this._code(e);
    if (this.onNavigate && code in NAV_KEYS) {
      e.preventDefault(); // the feed moves exactly one card per press, never the browser's scroll
      if (!e.repeat) this.onNavigate(NAV_KEYS[code]);
      return;
    }
    const button = this.keys[code];
    if (!button) return;
    // Space/Enter on a focused button or link keep their usual meaning.
    if (code === 'Space' && isActivatable(e.target)) return;
    e.preventDefault();
    this.held.set(code, button);
    this._emit(); // key repeat yields the same set -> no new action
  }

  _up(e) {
    const code = this._code(e);
    if (!this.held.has(code)) return;
    e.preventDefault();
    this.held.delete(code);
    this._emit();
  }

  _emit() {
    const buttons = this.buttons;
    const key = buttons.join(',');
    if (key === this._lastKey) return;
    this._lastKey = key;
    this.onButtons(buttons);
  }
}
