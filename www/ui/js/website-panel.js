// The website panel (API.md, "The website"): publish /site, roll back, open /@T/.

import { listFolder, publishSite, rollBack, siteState } from './api.js';
import { askYes, toast } from './dialogs.js';
import { h } from './dom.js';
import { dateWords } from './file-view.js';
import { describeChanges, filesChanged, filesUnder } from './publishes.js';
import { formatExact } from './time-format.js';

/** The panel at `state.at`; `refresh()` re-reads the views after a change. */
export async function websitePanel(state, refresh, signal) {
  const { live, current, publishes } = await siteState(signal);
  const act = (doing, done, work) => work().then((made) => toast(`${done}: publish ` +
    `${made.number} is live, /site as of ${formatExact(made.at)}.`),
  (error) => toast(`${doing} failed: ${why(error)}`, { error: true })).finally(refresh);
  const rollTo = async (to) => {
    const what = to ? `publish ${to.number} (/site as of ${formatExact(to.at)})` :
      'the publish before this one';
    const yes = await askYes('Roll back the website?', 'Roll back',
      h('p', {}, `The site at / will show ${what} again, as a new publish.`));
    if (yes) act('Rolling back', 'Rolled back', () => rollBack(to ? to.number : null));
  };
  const publish = async () => {
    if (await confirmPublish(current, signal)) act('Publishing', 'Published', publishSite);
  };
  return h('div.website', {}, h('h2', {}, 'Website'),
    h('p', {}, live ? [h('strong', {}, 'Live mode: '), '/ shows /site as it is now.'] :
      current ? [h('strong', {}, `Publish ${current.number} is live`), ', published ',
        dateWords(current.published), '; / shows /site as of ', dateWords(current.at), '.'] :
        'Nothing is published yet: publish /site to show it at /.'),
    h('p.website-actions', {}, h('button.primary', { onclick: publish }, 'Publish /site now'),
      h('button', { onclick: () => rollTo(null), disabled: publishes.length < 2 }, 'Roll back')),
    h('p.website-links', {}, h('a', { href: '/' }, 'Open the site'), state.at &&
      h('a', { href: `/@${state.at}/` }, 'Open the site as it was at the shown time')),
    h('h3', {}, `Publishes (${publishes.length}, newest first)`),
    h('ol.events', {}, publishes.map((publish) => {
      const isLive = !live && publish.number === current?.number;
      return h(`li.event${isLive ? '.event-created' : ''}`, { 'data-number': publish.number },
        h('strong', {}, `Publish ${publish.number} `), isLive && h('span.badge', {}, 'live'),
        h('div.note', {}, 'Published ', dateWords(publish.published)),
        h('div.note', {}, '/site as of ', dateWords(publish.at)),
        h('div.event-actions', {}, h('a', { href: `/@${publish.number}/` }, 'Open this version'),
          publish.at !== current.at &&
            h('button', { onclick: () => rollTo(publish) }, 'Roll back to this')));
    })));
}

// Asks before publishing, with what changed in /site since the live publish
// when that is cheap to find (SITE_FOLDERS_MAX).
async function confirmPublish(current, signal) {
  const list = (path, at) => listFolder(path, at, signal);
  const [then, now] = current ? await Promise.all([filesUnder('/site', current.at, list),
    filesUnder('/site', null, list)]).catch(() => []) : [];
  const changed = then && now && (describeChanges(filesChanged(then, now)) ||
    `Nothing changed in /site since publish ${current.number}.`);
  return askYes('Publish /site now?', 'Publish',
    h('p', {}, 'The site at / will show /site as it is now', current ?
      [' instead of as of ', formatExact(current.at), ` (publish ${current.number}).`] : '.'),
    changed && h('p', {}, changed));
}

// The server's message (API.md: 409 "nothing to roll back to", 404 an unknown publish).
const why = (error) => (error.status ? `${error.message} (${error.status}).` :
  'the server cannot be reached.');
