// Building elements: `h('a.link', {href}, 'text', child)`. Text is never
// parsed as HTML, so names from the store cannot inject markup.

/**
 * An element from a tag with optional `.class`es, properties/attributes
 * (`on…` functions become listeners; `data-…`, `aria-…` and `role` are
 * attributes), and children (strings, nodes, arrays, null skipped). A
 * button is `type=button` unless told otherwise.
 */
export function h(tagAndClasses, properties = {}, ...children) {
  const [tag, ...classes] = tagAndClasses.split('.');
  const element = document.createElement(tag || 'div');
  if (classes.length) element.className = classes.join(' ');
  if (tag === 'button') element.type = 'button';
  for (const [key, value] of Object.entries(properties ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key.includes('-') || key === 'role' || key === 'for') {
      element.setAttribute(key, value === true ? '' : String(value));
    } else {
      element[key] = value;
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces everything inside `element` with `children`. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
}
