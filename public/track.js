// A receipt mail links to /track?ref=...#code=...: the code stays in the fragment, which
// no server, log or Referer ever sees. Put it in the tracking form, drop it from the
// address, and send the form (a POST). Without this script the person types the code.
(() => {
  const m = /[#&]code=([A-Za-z0-9-]{1,40})/.exec(location.hash);
  const form = document.querySelector('[data-track-form]');
  if (!m || !form) return;
  history.replaceState(null, '', location.pathname + location.search);
  const field = form.querySelector('[name=code]');
  if (!field) return;
  field.value = decodeURIComponent(m[1]);
  if (form.querySelector('[name=ref]')?.value) form.requestSubmit();
})();
