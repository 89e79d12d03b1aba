// The create / remix / edit form: a live character count for the prompt and a preview of the chosen
// starting-scene image (with drag and drop). The server validates everything again; this is feedback only.

const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'];

for (const counter of document.querySelectorAll('[data-counter-for]')) {
  const field = document.getElementById(counter.dataset.counterFor);
  const max = Number(counter.dataset.max);
  if (!field) continue;
  const update = () => {
    const length = [...field.value].length;
    counter.textContent = `${length} / ${max}`;
    counter.classList.toggle('is-over', length > max);
  };
  field.addEventListener('input', update);
  update();
}

const zone = document.querySelector('[data-dropzone]');
if (zone) {
  const input = zone.querySelector('input[type="file"]');
  const preview = zone.querySelector('[data-dropzone-preview]');
  const text = zone.querySelector('[data-dropzone-text]');
  const original = text.cloneNode(true);
  let objectUrl = null;

  const show = () => {
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = null;
    const file = input.files?.[0];
    if (!file) {
      preview.hidden = true;
      text.replaceChildren(...original.cloneNode(true).childNodes);
      return;
    }
    const problem = !IMAGE_TYPES.includes(file.type)
      ? 'This doesn’t look like a PNG, JPEG or WebP image.'
      : file.size > MAX_IMAGE_BYTES
        ? `This image is ${(file.size / 1024 / 1024).toFixed(1)} MB; the limit is 5 MB.`
        : '';
    const name = document.createElement('strong');
    name.textContent = file.name;
    const detail = document.createElement('span');
    detail.textContent = problem || `${Math.max(1, Math.round(file.size / 1024))} KB · tap to change`;
    text.replaceChildren(name, detail);
    zone.classList.toggle('has-problem', Boolean(problem));
    if (!problem) {
      objectUrl = URL.createObjectURL(file);
      preview.src = objectUrl;
      preview.hidden = false;
    } else {
      preview.hidden = true;
    }
  };

  input.addEventListener('change', show);
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('is-over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('is-over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('is-over');
    if (e.dataTransfer?.files?.length) {
      input.files = e.dataTransfer.files;
      show();
    }
  });
}

// One submit per click: a second tap while the upload runs would create a second draft.
const form = document.querySelector('[data-world-form]');
form?.addEventListener('submit', () => {
  const button = form.querySelector('button[type="submit"]');
  if (button) {
    setTimeout(() => {
      button.disabled = true;
      button.textContent = 'Saving…';
    });
  }
});
