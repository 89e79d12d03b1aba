// On-screen controls for touch screens: an 8-way d-pad and a jump button, multi-touch via pointer events.
//
// Each pointer is tracked on its own (a thumb on the d-pad and another on jump), with pointer capture so
// sliding a thumb across the d-pad changes direction without lifting. The pad has `touch-action: none`,
// so touches on it never scroll the feed; everywhere else a swipe still moves between worlds.

import { canonicalButtons } from './player.js';

// Sectors of 45° starting east, clockwise (screen y grows downwards).
const SECTORS = [['right'], ['right', 'down'], ['down'], ['down', 'left'], ['left'], ['left', 'up'], ['up'], ['up', 'right']];
const DEAD_ZONE = 0.22; // fraction of the pad radius

/** Show touch controls when the primary pointer is coarse, or from the first touch on. */
export function enableTouchUI(root = document.documentElement) {
  const show = () => root.classList.add('has-touch');
  if (window.matchMedia('(pointer: coarse)').matches) show();
  window.addEventListener('touchstart', show, { once: true, passive: true, capture: true });
}

/** Buttons for a point on the d-pad, dx/dy relative to its centre in units of its radius. */
export function dpadButtons(dx, dy) {
  if (Math.hypot(dx, dy) < DEAD_ZONE) return [];
  const sector = (Math.round(Math.atan2(dy, dx) / (Math.PI / 4)) + 8) % 8;
  return SECTORS[sector];
}

export class Touchpad {
  /**
   * @param {HTMLElement} el  the [data-touchpad] element, holding [data-dpad] and [data-jump]
   * @param {(names: string[]) => void} onButtons  called with the held set whenever it changes
   */
  constructor(el, onButtons) {
    this.el = el;
    this.onButtons = onButtons;
    this.dpad = el.querySelector('[data-dpad]');
    this.jump = el.querySelector('[data-jump]');
    this.pointers = new Map(); // pointerId -> button names
    this._lastKey = '';

    this.dpad?.addEventListener('pointerdown', (e) => this._press(e, this.dpad));
    this.jump?.addEventListener('pointerdown', (e) => this._press(e, this.jump));
    for (const target of [this.dpad, this.jump]) {
      if (!target) continue;
      target.addEventListener('pointermove', (e) => this._move(e, target));
      for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) {
        target.addEventListener(type, (e) => this._release(e));
      }
      target.addEventListener('contextmenu', (e) => e.preventDefault());
    }
  }

  /** Forget every touch (the card lost focus, the tab was hidden). */
  reset() {
    this.pointers.clear();
    this._emit();
  }

  _buttonsAt(e, target) {
    if (target === this.jump) return ['jump'];
    const rect = target.getBoundingClientRect();
    const r = Math.min(rect.width, rect.height) / 2;
    return dpadButtons((e.clientX - rect.left - rect.width / 2) / r, (e.clientY - rect.top - rect.height / 2) / r);
  }

  _press(e, target) {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    e.preventDefault();
    try {
      target.setPointerCapture(e.pointerId);
    } catch {
      /* the pointer may already be gone */
    }
    this.pointers.set(e.pointerId, this._buttonsAt(e, target));
    this._emit();
  }

  _move(e, target) {
    if (!this.pointers.has(e.pointerId) || target === this.jump) return;
    this.pointers.set(e.pointerId, this._buttonsAt(e, target));
    this._emit();
  }

  _release(e) {
    if (!this.pointers.delete(e.pointerId)) return;
    this._emit();
  }

  _emit() {
    const buttons = canonicalButtons([...this.pointers.values()].flat());
    const key = buttons.join(',');
    if (key === this._lastKey) return;
    this._lastKey = key;
    for (const name of ['up', 'down', 'left', 'right', 'jump']) {
      this.el.classList.toggle(`is-${name}`, buttons.includes(name));
    }
    this.onButtons(buttons);
  }
}
