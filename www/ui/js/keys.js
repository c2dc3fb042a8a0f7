// The page-wide keyboard shortcuts (help.js lists them). Keys typed into a
// field, or with Ctrl/Alt/Meta held, are left to the browser.

const bindings = {
  '?': 'help', u: 'upload', U: 'uploadFolder', n: 'newFolder', '[': 'previous', ']': 'next',
  '.': 'now', Backspace: 'parent', t: 'focusTimeline', l: 'focusList', Escape: 'escape',
};

/** Runs the action of `actions` bound to the key of `event`, if any. */
export function routeKey(event, actions) {
  if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) return;
  const target = event.target;
  const typing = target.closest?.('input, textarea, select, [contenteditable], dialog');
  if (typing) return;
  const name = bindings[event.key];
  if (!name || !actions[name]) return;
  event.preventDefault();
  actions[name]();
}
