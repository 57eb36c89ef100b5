/* global document, Element */
// Runs once per page, however many notes it shows: one listener on the
// document serves every note, those in the page now and those a later response
// brings (event delegation), so nothing is attached per instance.
document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('.note-toggle') : null;
  const body = button?.closest('.note')?.querySelector('.note-body');
  if (!body) return;
  body.hidden = !body.hidden;
  button.setAttribute('aria-expanded', String(!body.hidden));
});
