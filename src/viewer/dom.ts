/** Small DOM helpers the viewer pages share. */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node as T;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export const json = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));

/** The API key the list page asked for, kept in this tab only. */
export const apiKeyName = 'runstream.apiKey';
