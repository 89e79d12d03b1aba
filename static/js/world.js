// A world's own page (/w/<id>/): one player that starts at once. With no feed to move through,
// every arrow key (and WASD) moves in the world.

import { bindLikes } from './api.js';
import { KeyboardControls } from './keyboard.js';
import { Player, keepCrisp, registry } from './player.js';
import { Touchpad, enableTouchUI } from './touchpad.js';

const requestedAt = performance.now();
const card = document.querySelector('[data-world-page] [data-world-id]');
if (card) {
  enableTouchUI();
  bindLikes(card);
  const stage = card.querySelector('.card__stage');
  if (stage) keepCrisp(stage);
  const player = new Player(card.querySelector('[data-player]'), { worldId: card.dataset.worldId });
  new KeyboardControls({ onButtons: (buttons) => player.setButtons(buttons, 'keyboard') });
  const pad = card.querySelector('[data-touchpad]');
  if (pad) new Touchpad(pad, (buttons) => player.setButtons(buttons, 'touch'));
  card.classList.add('is-active');
  player.start({ requestedAt });
  registry.world = { id: Number(card.dataset.worldId), player };
}
