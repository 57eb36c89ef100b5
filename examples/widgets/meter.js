/* global document, Element */
// Runs once per page (see note.js): the "+1" of every meter, counted in the
// browser alone, with no request.
document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('.meter-bump') : null;
  const value = button?.closest('.meter')?.querySelector('.meter-value');
  if (!value) return;
  value.textContent = String(Number(value.textContent) + 1);
});
