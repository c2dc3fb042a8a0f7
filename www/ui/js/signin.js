// The sign-in page: the token goes once to /api/login for an HttpOnly
// cookie, so no script keeps it (API.md, "Browser sessions").

import { signIn } from './api.js';
import { h, fill } from './dom.js';

/** Shows the sign-in form in `root`; calls `onSignedIn()` after a success. */
export function showSignIn(root, onSignedIn) {
  document.title = 'Sign in · strata';
  const input = h('input', { type: 'password', name: 'token', id: 'token',
    autocomplete: 'current-password', required: true, spellcheck: false });
  const message = h('p.signin-error', { role: 'alert', id: 'signin-error' });
  const button = h('button.primary', { type: 'submit' }, 'Sign in');
  const form = h('form.signin', { 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'strata'),
    h('p', {}, 'Sign in with the owner token strata printed when it first started. Lost it? ',
      h('code', {}, 'strata token --reset'), ' makes a new one.'),
    h('label', { for: 'token' }, 'Owner token'),
    input, message, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    message.textContent = '';
    try {
      await signIn(input.value);
      onSignedIn();
    } catch (error) {
      showFailure(error, message, button);
      input.select();
    }
  });
  fill(root, h('main.signin-page', {}, form));
  input.focus();
}

function showFailure(error, message, button) {
  if (error.status === 429) return countDown(error.retryAfterSeconds ?? 60, message, button);
  button.disabled = false;
  message.textContent = error.status === 401 ? 'That token is not right. Check it and try again.'
    : !error.status ? 'The server cannot be reached. Is strata running?' // a TypeError too
      : `Sign-in failed (${error.status}): ${error.message}`;
}

// A 429 (too many failures) refuses every try until Retry-After: wait that long.
function countDown(seconds, message, button) {
  let left = seconds;
  const tick = () => {
    message.textContent = left > 0 ?
      `Too many attempts from this address. Try again in ${left} s.` : 'You can try again now.';
    button.disabled = left > 0;
    left -= 1;
  };
  tick();
  const timer = setInterval(() => (left < 0 ? clearInterval(timer) : tick()), 1000);
}
