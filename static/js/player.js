// The play-socket client: one Player drives one world's canvas through docs/protocol.md.
//
// A Player owns at most one WebSocket at a time. `start()` opens a session (closing any previous one),
// `stop()` releases it. Frames are decoded off the socket one at a time; frames that arrive while a decode
// is running replace each other, so only the newest frame is ever drawn and a slow device never queues
// work. Every drawn frame is acked (the server keeps at most 4 frames in flight beyond the last ack).
//
// Stats for tests and benchmarks live on `window.worldfeed` (see `registry` below):
//   window.worldfeed.stats     the stats of the most recently started session (what the user sees)
//   window.worldfeed.sessions  stats of every session this page started, oldest first (capped)
//   window.worldfeed.openSockets  sockets not yet closed (feed invariant: at most 1)

export const BUTTONS = Object.freeze(['up', 'down', 'left', 'right', 'jump']);

const HEADER_BYTES = 20;
const PROTOCOL_VERSION = 1;
const CODEC_TYPES = Object.freeze({ 1: 'image/jpeg', 2: 'image/webp' });
// The server drops actions beyond 60/s; stay well under by coalescing changes closer than this.
const MIN_ACTION_INTERVAL_MS = 20;
const PING_INTERVAL_MS = 2000;
const LATENCY_WINDOW = 500;
const FPS_WINDOW_MS = 1000;
const MAX_SESSIONS_KEPT = 50;
const PENDING_ACTION_TTL_MS = 10000;
// 4429 (too many sessions) while earlier sessions are still being freed: retry a few times, backing off.
const BUSY_RETRY_DELAYS_MS = [500, 1200, 2500];

const CLOSE_MESSAGES = Object.freeze({
  4404: ['unavailable', 'This world isn’t available'],
  4429: ['error', 'Too many worlds open — tap to retry'],
  1011: ['error', 'The world crashed — tap to retry'],
});
const END_MESSAGES = Object.freeze({
  idle: 'Paused while you were away — tap to play again',
  closed: 'Ended — tap to play again',
  error: 'The world crashed — tap to retry',
  unavailable: 'This world isn’t available right now — tap to retry',
});

/** The page-wide object tests and benchmarks read. */
export const registry = (() => {
  const wf = (window.worldfeed ??= {});
  wf.version = 1;
  wf.sessions ??= [];
  wf.stats ??= null;
  wf.player ??= null;
  wf.openSockets ??= 0;
  return wf;
})();

export class FrameError extends Error {}

/**
 * Parse one binary message: a 20-byte little-endian header, then the encoded image.
 * @param {ArrayBuffer} buffer
 * @returns {{seq: number, lastAction: number, serverTime: number, type: string, bytes: Uint8Array}}
 */
export function parseFrame(buffer) {
  if (buffer.byteLength <= HEADER_BYTES) throw new FrameError(`frame too short (${buffer.byteLength} bytes)`);
  const view = new DataView(buffer);
  if (view.getUint8(0) !== 0x57 || view.getUint8(1) !== 0x46) throw new FrameError('bad magic');
  const version = view.getUint8(2);
  if (version !== PROTOCOL_VERSION) throw new FrameError(`unsupported protocol version ${version}`);
  const type = CODEC_TYPES[view.getUint8(3)];
  if (!type) throw new FrameError(`unknown codec ${view.getUint8(3)}`);
  return {
    seq: view.getUint32(4, true),
    lastAction: view.getUint32(8, true),
    serverTime: view.getFloat64(12, true),
    type,
    bytes: new Uint8Array(buffer, HEADER_BYTES),
  };
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted, p) {
  if (!sorted.length) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Button names in canonical protocol order, without duplicates or unknown names. */
export function canonicalButtons(names) {
  const held = new Set(names);
  return BUTTONS.filter((b) => held.has(b));
}

/**
 * The largest size <= avail (CSS px) at which a `frame`-pixel-wide image scales by a whole number of
 * device pixels, so pixel art stays crisp; falls back to `avail` when snapping would waste > 20 %.
 */
export function crispSize(avail, frame = 128, dpr = window.devicePixelRatio || 1) {
  const factor = Math.floor((avail * dpr) / frame);
  const snapped = (factor * frame) / dpr;
  return factor >= 1 && snapped >= avail * 0.8 ? snapped : Math.floor(avail);
}

function newStats(worldId) {
  return {
    worldId,
    state: 'connecting',
    backend: null,
    width: 0,
    height: 0,
    announcedFps: null,
    framesReceived: 0,
    framesDrawn: 0,
    framesDroppedClient: 0, // stale frames replaced before they could be decoded
    framesSkippedServer: 0, // gaps in the server's frame sequence
    badFrames: 0,
    lastFrameSeq: 0,
    lastDrawnSeq: 0,
    lastActionApplied: 0,
    actionsSent: 0,
    heldButtons: [], // the buttons of the last action sent
    acksSent: 0,
    serverErrors: 0,
    firstFrameMs: null, // play requested (card settled / page loaded) -> first frame drawn
    liveMs: null, // play requested -> "live" message
    fps: 0, // frames drawn in the last second
    rttMs: null,
    latency: { samples: 0, p50: null, p99: null, mean: null, last: null },
    endReason: null,
    closeCode: null,
    startedAt: Date.now(),
  };
}

export class Player extends EventTarget {
  /**
   * @param {HTMLElement} root  the `.world` element: img.world__preview, canvas, [data-status], [data-overlay]
   * @param {{worldId: number|string, wsUrl?: string, pauseWhenHidden?: boolean}} options
   */
  constructor(root, { worldId, wsUrl = null, pauseWhenHidden = true } = {}) {
    super();
    this.root = root;
    this.worldId = worldId;
    this.wsUrl = wsUrl;
    this.canvas = root.querySelector('canvas');
    this.ctx = this.canvas.getContext('2d', { alpha: false });
    this.statusEl = root.querySelector('[data-status]');
    this.overlayEl = root.querySelector('[data-overlay]');
    this.overlayText = root.querySelector('[data-overlay-text]') ?? this.overlayEl;
    this.ws = null;
    this.stats = null;
    this.state = 'idle';
    this.inputs = new Map(); // source ("keyboard", "touch") -> button names
    this._resumeOnShow = false;
    this._pauseWhenHidden = pauseWhenHidden;
    this._timers = { ping: 0, action: 0, fps: 0 };
    this._retryTimer = 0;
    this._busyRetries = 0;

    this.overlayEl?.addEventListener('click', () => {
      if (['ended', 'error', 'unavailable', 'paused'].includes(this.state)) this.start();
    });
    if (pauseWhenHidden) {
      document.addEventListener('visibilitychange', () => this._onVisibility(document.hidden));
      window.addEventListener('pagehide', () => this._onVisibility(true));
      window.addEventListener('pageshow', (e) => e.persisted && this._onVisibility(false));
    }
  }

  get url() {
    if (this.wsUrl) return this.wsUrl;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    return `${scheme}://${location.host}/ws/play/${encodeURIComponent(this.worldId)}/`;
  }

  get live() {
    return this.state === 'live';
  }

  /**
   * Open a new session. `requestedAt` (performance.now() clock) is when play was asked for — the card
   * settling — so firstFrameMs measures what the user waits, not just the socket.
   */
  start({ requestedAt = performance.now(), retry = false } = {}) {
    this._teardown('restart');
    if (this._pauseWhenHidden && document.hidden) {
      // Opened in a background tab: play when it is first shown, not before.
      this._resumeOnShow = true;
      this._setState('paused', 'Paused — tap to play');
      return;
    }
    if (!retry) this._busyRetries = 0;
    const stats = newStats(this.worldId);
    this.stats = stats;
    registry.stats = stats;
    registry.player = this;
    registry.sessions.push(stats);
    if (registry.sessions.length > MAX_SESSIONS_KEPT) registry.sessions.shift();

    this._requestedAt = requestedAt;
    this._seq = 0;
    this._sentAt = new Map();
    this._lastSentKey = '';
    this._lastActionAt = -Infinity;
    this._pending = null;
    this._decoding = null; // the socket whose frames are being decoded, if any
    this._drawTimes = [];
    this._latencies = [];
    this._resumeOnShow = false;
    this.root.removeAttribute('data-drawn');

    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      this._setState('error', 'Couldn’t connect — tap to retry');
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    registry.openSockets += 1;
    ws.addEventListener('close', () => (registry.openSockets -= 1), { once: true });
    ws.addEventListener('open', () => ws === this.ws && this._sendButtons());
    ws.addEventListener('message', (e) => {
      if (ws !== this.ws) return;
      if (typeof e.data === 'string') this._onText(e.data);
      else this._onFrame(e.data);
    });
    ws.addEventListener('close', (e) => ws === this.ws && this._onClose(e));
    this._setState('connecting');
  }

  /** Release the session (socket closed, server frees the worker) and show the preview again. */
  stop(reason = 'stopped') {
    if (this.stats && !this.stats.endReason) this.stats.endReason = reason;
    this._teardown(reason);
    this.inputs.clear();
    this.root.removeAttribute('data-drawn');
    this._setState('idle');
  }

  /**
   * Send a control message other than actions/acks/pings (e.g. `{type: 'remix_moment'}`, docs/protocol.md).
   * Replies arrive as `message` events (`event.detail` is the JSON). Returns false when not connected.
   */
  send(message) {
    return this._send(message);
  }

  /** Set the buttons one input source holds; sends an action only when the union changes. */
  setButtons(names, source = 'keyboard') {
    this.inputs.set(source, canonicalButtons(names));
    this._sendButtons();
  }

  get heldButtons() {
    return canonicalButtons([...this.inputs.values()].flat());
  }

  // ---- internals -------------------------------------------------------------------------------

  _teardown(reason) {
    clearTimeout(this._retryTimer);
    this._retryTimer = 0;
    clearInterval(this._timers.ping);
    clearTimeout(this._timers.action);
    clearInterval(this._timers.fps);
    this._timers = { ping: 0, action: 0, fps: 0 };
    const ws = this.ws;
    this.ws = null;
    this._pending = null;
    if (ws && ws.readyState <= WebSocket.OPEN) {
      try {
        ws.close(1000, reason.slice(0, 60));
      } catch {
        ws.close();
      }
    }
    if (this.stats && ['connecting', 'starting', 'live'].includes(this.stats.state)) this.stats.state = 'closed';
  }

  _send(message) {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  _sendButtons() {
    if (this.ws?.readyState !== WebSocket.OPEN) return; // sent on open
    const buttons = this.heldButtons;
    const key = buttons.join(',');
    if (key === this._lastSentKey) return; // key repeat, or a source re-reporting the same set
    const now = performance.now();
    const wait = this._lastActionAt + MIN_ACTION_INTERVAL_MS - now;
    if (wait > 0) {
      // Coalesce bursts (a thumb sliding over the d-pad): the latest set goes out when allowed.
      this._timers.action ||= setTimeout(() => {
        this._timers.action = 0;
        this._sendButtons();
      }, wait);
      return;
    }
    const seq = ++this._seq;
    this._send({ type: 'action', seq, buttons });
    this._sentAt.set(seq, now);
    this._lastSentKey = key;
    this._lastActionAt = now;
    this.stats.actionsSent += 1;
    this.stats.heldButtons = buttons;
    for (const [s, t] of this._sentAt) {
      if (now - t < PENDING_ACTION_TTL_MS) break;
      this._sentAt.delete(s);
    }
  }

  _onText(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    const stats = this.stats;
    if (msg.type === 'session') {
      if (msg.state === 'starting') {
        if (stats.state === 'connecting') this._setState('starting');
      } else if (msg.state === 'live') {
        stats.backend = msg.backend ?? null;
        stats.announcedFps = msg.fps ?? null;
        stats.liveMs = Math.round(performance.now() - this._requestedAt);
        if (msg.width && msg.height) this._resize(msg.width, msg.height);
        this._goLive();
      } else if (msg.state === 'ended') {
        stats.endReason = msg.reason ?? 'closed';
        this._setState('ended', END_MESSAGES[stats.endReason] ?? END_MESSAGES.closed);
      }
    } else if (msg.type === 'pong' && typeof msg.t === 'number') {
      stats.rttMs = Math.max(0, Date.now() - msg.t);
    } else if (msg.type === 'error') {
      stats.serverErrors += 1;
      console.debug('worldfeed: server rejected a message', msg.code, msg.detail);
    }
    if (msg.type !== 'session' && msg.type !== 'pong') this.dispatchEvent(new CustomEvent('message', { detail: msg }));
  }

  _goLive() {
    if (this.state === 'live') return;
    this._setState('live');
    this._send({ type: 'ping', t: Date.now() });
    this._timers.ping ||= setInterval(() => this._send({ type: 'ping', t: Date.now() }), PING_INTERVAL_MS);
    // Keep fps honest when frames stop arriving.
    this._timers.fps ||= setInterval(() => this._updateFps(performance.now()), 500);
  }

  _onFrame(buffer) {
    let frame;
    try {
      frame = parseFrame(buffer);
    } catch (err) {
      this.stats.badFrames += 1;
      console.debug('worldfeed: dropped a bad frame', err.message);
      return;
    }
    const stats = this.stats;
    stats.framesReceived += 1;
    if (stats.lastFrameSeq && frame.seq > stats.lastFrameSeq + 1) {
      stats.framesSkippedServer += frame.seq - stats.lastFrameSeq - 1;
    }
    stats.lastFrameSeq = Math.max(stats.lastFrameSeq, frame.seq);
    if (this.state === 'connecting' || this.state === 'starting') this._goLive();
    if (this._pending) stats.framesDroppedClient += 1; // newest frame wins
    this._pending = frame;
    if (this._decoding !== this.ws) this._pump(this.ws);
  }

  async _pump(ws) {
    this._decoding = ws;
    try {
      while (this._pending && ws === this.ws) {
        const frame = this._pending;
        this._pending = null;
        let bitmap;
        try {
          bitmap = await createImageBitmap(new Blob([frame.bytes], { type: frame.type }));
        } catch {
          this.stats.badFrames += 1;
          continue;
        }
        if (ws !== this.ws) {
          bitmap.close();
          break;
        }
        this._draw(bitmap, frame);
        bitmap.close();
      }
    } finally {
      if (this._decoding === ws) this._decoding = null; // a newer session may own the flag by now
    }
  }

  _draw(bitmap, frame) {
    const stats = this.stats;
    if (frame.seq <= stats.lastDrawnSeq) return;
    if (bitmap.width !== this.canvas.width || bitmap.height !== this.canvas.height) {
      this._resize(bitmap.width, bitmap.height);
    }
    this.ctx.drawImage(bitmap, 0, 0);
    const now = performance.now();
    if (stats.framesDrawn === 0) {
      stats.firstFrameMs = Math.round(now - this._requestedAt);
      this.root.setAttribute('data-drawn', '');
    }
    stats.framesDrawn += 1;
    stats.lastDrawnSeq = frame.seq;
    stats.lastActionApplied = frame.lastAction;
    if (this._send({ type: 'ack', frame: frame.seq })) stats.acksSent += 1;

    // Input-to-frame latency: the first shown frame whose last-applied action >= n shows action n.
    for (const [seq, sentAt] of this._sentAt) {
      if (seq > frame.lastAction) break;
      this._sentAt.delete(seq);
      this._addLatency(now - sentAt);
    }
    this._drawTimes.push(now);
    this._updateFps(now);
  }

  _addLatency(ms) {
    const values = this._latencies;
    values.push(ms);
    if (values.length > LATENCY_WINDOW) values.shift();
    const sorted = [...values].sort((a, b) => a - b);
    const lat = this.stats.latency;
    lat.samples += 1;
    lat.last = Math.round(ms * 10) / 10;
    lat.p50 = Math.round(percentile(sorted, 50) * 10) / 10;
    lat.p99 = Math.round(percentile(sorted, 99) * 10) / 10;
    lat.mean = Math.round((sorted.reduce((a, b) => a + b, 0) / sorted.length) * 10) / 10;
  }

  _updateFps(now) {
    const times = this._drawTimes;
    while (times.length && times[0] <= now - FPS_WINDOW_MS) times.shift();
    this.stats.fps = times.length;
    if (this.statusEl && this.state === 'live') this.statusEl.dataset.fps = String(times.length);
  }

  _resize(width, height) {
    this.stats.width = width;
    this.stats.height = height;
    if (this.canvas.width !== width) this.canvas.width = width;
    if (this.canvas.height !== height) this.canvas.height = height;
  }

  _onClose(event) {
    const stats = this.stats;
    this.ws = null;
    clearInterval(this._timers.ping);
    clearInterval(this._timers.fps);
    clearTimeout(this._timers.action);
    this._timers = { ping: 0, action: 0, fps: 0 };
    stats.closeCode = event.code;
    if (this.state === 'ended') return; // the server already said why
    if (event.code === 4429 && this._busyRetries < BUSY_RETRY_DELAYS_MS.length) {
      const requestedAt = this._requestedAt;
      this._setState('starting');
      this._retryTimer = setTimeout(() => this.start({ requestedAt, retry: true }), BUSY_RETRY_DELAYS_MS[this._busyRetries++]);
      return;
    }
    const known = CLOSE_MESSAGES[event.code];
    if (known) {
      stats.endReason ??= known[0];
      this._setState(known[0], known[1]);
    } else if (event.code === 1000) {
      stats.endReason ??= 'closed';
      this._setState('ended', END_MESSAGES.closed);
    } else {
      stats.endReason ??= 'disconnected';
      this._setState('error', 'Connection lost — tap to reconnect');
    }
  }

  _onVisibility(hidden) {
    if (hidden) {
      if (this.ws) {
        this.stop('hidden');
        this._resumeOnShow = true;
        this._setState('paused', 'Paused — tap to play');
      }
    } else if (this._resumeOnShow) {
      this._resumeOnShow = false;
      this.start();
    }
  }

  _setState(state, message = '') {
    this.state = state;
    if (this.stats) {
      this.stats.state = state === 'idle' ? 'closed' : state;
    }
    this.root.dataset.state = state;
    if (this.statusEl) {
      const labels = { connecting: 'connecting…', starting: 'starting…', live: 'live' };
      this.statusEl.textContent = labels[state] ?? '';
    }
    if (this.overlayEl) {
      const show = ['ended', 'error', 'unavailable', 'paused'].includes(state);
      this.overlayEl.hidden = !show;
      if (show) this.overlayText.textContent = message;
    }
    this.dispatchEvent(new CustomEvent('statechange', { detail: { state, message } }));
  }
}

/**
 * Size every world in `target` (via the CSS variable --world-size) to the crisp size that fits `stage`.
 * All cards share one geometry, so observing one stage is enough.
 */
export function keepCrisp(stage, target = document.documentElement, frame = 128) {
  const apply = () => {
    const cs = getComputedStyle(stage);
    const w = stage.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    const h = stage.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
    if (w > 0 && h > 0) target.style.setProperty('--world-size', `${crispSize(Math.min(w, h), frame)}px`);
  };
  new ResizeObserver(apply).observe(stage);
  apply();
}
