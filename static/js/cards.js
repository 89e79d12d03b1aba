// Cards added after page load are cloned from <template id="card-template"> (the same
// templates/feed/_card.html the server renders) and filled with textContent only: user text is never HTML.

const TEXT_FIELDS = ['title', 'creator_name', 'prompt', 'like_count', 'remix_count'];

/**
 * @param {HTMLTemplateElement} template
 * @param {{id, title, creator_name, prompt, like_count, remix_count, preview_url, liked, url, remix_url}} data
 * @param {number} position  1-based position in the feed (aria-posinset)
 */
export function renderCard(template, data, position) {
  const card = template.content.firstElementChild.cloneNode(true);
  card.dataset.worldId = String(data.id);
  card.setAttribute('aria-posinset', String(position));
  card.setAttribute('aria-label', String(data.title ?? ''));
  for (const field of TEXT_FIELDS) {
    for (const el of card.querySelectorAll(`[data-field="${field}"]`)) el.textContent = String(data[field] ?? '');
  }
  const url = safeUrl(data.url);
  for (const el of card.querySelectorAll('[data-link="url"]')) el.setAttribute('href', url);
  const remixUrl = data.remix_url ? safeUrl(data.remix_url) : url;
  for (const el of card.querySelectorAll('[data-link="remix_url"]')) el.setAttribute('href', remixUrl);
  const preview = safeUrl(data.preview_url);
  for (const img of card.querySelectorAll('img[data-preview]')) {
    img.loading = 'lazy';
    img.src = preview;
  }
  const canvas = card.querySelector('canvas');
  canvas?.setAttribute('aria-label', `Live world: ${data.title ?? ''}`);
  card.querySelector('[data-action="like"]')?.setAttribute('aria-pressed', String(Boolean(data.liked)));
  return card;
}

/** Only http(s) URLs and inline images; anything else (javascript:, …) becomes '#'. */
function safeUrl(value) {
  try {
    const url = new URL(String(value ?? ''), location.href);
    if (url.protocol === 'data:') return /^data:image\/(png|jpeg|webp|gif);/.test(url.href) ? url.href : '#';
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : '#';
  } catch {
    return '#';
  }
}
