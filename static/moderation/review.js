// The review page's playthrough scrubbers: each draws frames from its filmstrip (all frames tiled in one JPEG),
// plays them back at the recording's fps, and marks scanner hits on a timeline that jumps to them on click.
(function () {
  "use strict";

  function heldAt(actions, frame) {
    let held = "none";
    for (const [at, buttons] of actions) { if (at > frame) break; held = buttons; }
    return held;
  }

  function setUp(figure, timeline) {
    const canvas = figure.querySelector("canvas");
    if (!canvas || !figure.dataset.strip || !timeline.frames) return;
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    const range = figure.querySelector("input[type=range]");
    const time = figure.querySelector(".mod-time");
    const play = figure.querySelector(".mod-play");
    const held = figure.querySelector(".mod-held span");
    const bar = figure.querySelector(".mod-timeline");
    const total = timeline.frames;
    const cursor = document.createElement("div");
    cursor.className = "mod-cursor";
    bar.appendChild(cursor);
    for (const hit of timeline.hits || []) {
      const mark = document.createElement("div");
      mark.className = "mod-mark sev-" + (hit.severity || "flag");
      mark.style.left = (100 * hit.start_frame / total) + "%";
      mark.style.width = (100 * (hit.end_frame - hit.start_frame + 1) / total) + "%";
      mark.title = hit.scanner + ": " + hit.kind + " " + hit.start_s + "–" + hit.end_s + " s — " + hit.detail;
      mark.addEventListener("click", () => show(hit.start_frame));
      bar.appendChild(mark);
    }
    const strip = new Image();
    let frame = 0, timer = null, tileW = 0, tileH = 0;
    const columns = timeline.columns || 1, rows = Math.ceil(total / columns);

    function show(index) {
      frame = Math.max(0, Math.min(total - 1, index));
      range.value = frame;
      time.textContent = (frame / timeline.fps).toFixed(2) + " s";
      cursor.style.left = (100 * frame / total) + "%";
      held.textContent = heldAt(timeline.actions || [], frame);
      if (!tileW) return;
      const sx = (frame % columns) * tileW, sy = Math.floor(frame / columns) * tileH;
      ctx.drawImage(strip, sx, sy, tileW, tileH, 0, 0, canvas.width, canvas.height);
    }
    function stop() { clearInterval(timer); timer = null; play.textContent = "▶"; }
    play.addEventListener("click", () => {
      if (timer) { stop(); return; }
      play.textContent = "❚❚";
      if (frame >= total - 1) show(0);
      timer = setInterval(() => { if (frame >= total - 1) stop(); else show(frame + 1); }, 1000 / timeline.fps);
    });
    range.addEventListener("input", () => { stop(); show(Number(range.value)); });
    strip.onload = () => {
      tileW = strip.naturalWidth / columns;
      tileH = strip.naturalHeight / rows;
      show(frame);
      figure.dataset.ready = "1";
    };
    strip.onerror = () => { figure.dataset.ready = "error"; };
    strip.src = figure.dataset.strip;
    show(0);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const data = document.getElementById("mod-timelines");
    const timelines = data ? JSON.parse(data.textContent) : [];
    document.querySelectorAll(".mod-player").forEach((figure) => {
      setUp(figure, timelines[Number(figure.dataset.index)] || {});
    });
  });
})();
