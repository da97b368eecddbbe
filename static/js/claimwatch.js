// Keep keyboard and screen-reader users in place when htmx replaces the part of the
// page they were in (a form that was submitted): focus the first field with an error,
// else the heading of the new part. Served as a file, so the CSP needs no exception.
document.addEventListener("htmx:afterSettle", (event) => {
  const active = document.activeElement;
  if (active && active !== document.body && active.isConnected) return; // focus was kept
  const id = event.detail.target && event.detail.target.id;
  const part = id ? document.getElementById(id) : null;
  if (!part) return;
  const target =
    part.querySelector('[aria-invalid="true"]') || part.querySelector("h2, h3, li, p");
  if (!target) return;
  if (!target.matches("input, select, textarea, button, a[href]")) {
    target.setAttribute("tabindex", "-1");
  }
  target.focus({ preventScroll: false });
});
