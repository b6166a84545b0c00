// "Print" on the receipt page: a script file rather than an inline handler.
for (const b of document.querySelectorAll('[data-print]')) b.addEventListener('click', () => window.print());
