// A world's own page (/w/<id>/): one player that starts at once. With no feed to move through,
// every arrow key (and WASD) moves in the world.

import { bindLikes, toast } from './api.js';
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

// A report sent while the world is live goes over the play socket, so the server attaches the last
// 10 seconds of frames it sent this session (frames the reporter cannot forge). Otherwise: a plain POST.
const reportForm = document.querySelector('.report__form');
if (reportForm && registry.world) {
  reportForm.addEventListener('submit', (event) => {
    const player = registry.world.player;
    const data = new FormData(reportForm);
    if (!player.live || !data.get('reason')) return; // the server-rendered form shows its own errors
    event.preventDefault();
    const onMessage = (e) => {
      const msg = e.detail;
      if (msg.type === 'reported') {
        player.removeEventListener('message', onMessage);
        reportForm.closest('details')?.removeAttribute('open');
        reportForm.reset();
        toast('Thanks for the report. A moderator will look at this world, with your last 10 seconds of play.');
      } else if (msg.type === 'error' && msg.code?.startsWith('report')) {
        player.removeEventListener('message', onMessage);
        toast(msg.detail || 'The report could not be sent');
      }
    };
    player.addEventListener('message', onMessage);
    player.send({ type: 'report', reason: data.get('reason'), details: data.get('details') || '' });
  });
}
