// The archive's search box: Pagefind's index of every published issue (out/pagefind/<year>/),
// searched in the reader's browser; no server. Copied as it is to out/search.js, the site's root: every
// other address is found from this file's own. Text from the index is only ever set as text.
const box = document.querySelector(".search");
const root = new URL(".", import.meta.url);
// Chinese, Japanese and Korean characters. The index holds every ending of each run of them
// after the mark ENDINGS (newsletter/search.py), so that any part of a run is found; a result
// for such a query shows the text around it, never those endings.
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/;
const ENDINGS = "\u2042";

function text(element, tag, className, content) {
  const child = document.createElement(tag);
  child.className = className;
  child.textContent = content;
  element.append(child);
  return child;
}

// Pagefind marks the words found with <mark>; the rest of its excerpt is HTML-escaped text. The
// excerpt is rebuilt from text nodes, so nothing in an issue becomes markup here.
function excerpt(element, html) {
  const words = new DOMParser().parseFromString(html, "text/html").body;
  for (const node of words.childNodes) {
    if (node.nodeName === "MARK") text(element, "mark", "", node.textContent);
    else element.append(document.createTextNode(node.textContent));
  }
}

// The text around the first CJK word of QUERY in a result's CONTENT: [before, word, after].
function around(content, query) {
  const text = content.split(ENDINGS)[0];
  for (const word of query.split(/\s+/).filter((w) => CJK.test(w))) {
    const at = text.indexOf(word);
    if (at < 0) continue;
    const start = Math.max(0, at - 60);
    const end = Math.min(text.length, at + word.length + 80);
    const before = (start > 0 ? "… " : "") + text.slice(start, at);
    return [before, word, text.slice(at + word.length, end) + (end < text.length ? " …" : "")];
  }
  return null;
}

// Whether RESULT matches QUERY, not a shorter beginning of it: an index that has no word for a
// query answers with words that begin as it does (`t...` for `tripartite`), and every year's
// index answers, so a year without the word would bring such results in.
function found(result, query) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.some((word) => CJK.test(word))) return around(result.content, query) !== null;
  const marked = [...result.excerpt.matchAll(/<mark>([^<]*)<\/mark>/g)];
  return marked.some(([, text]) => words.some((w) => text.toLowerCase().startsWith(w.slice(0, 4))));
}

async function start() {
  const input = box.querySelector(".search-input");
  const status = box.querySelector(".search-status");
  const list = box.querySelector(".search-results");
  // An index per year (so that an edit indexes again its own year only), searched as one.
  const listing = await fetch(new URL("pagefind/years.json", root));
  const { years } = await listing.json();
  if (!years.length) return; // no published issue: nothing to search
  const bundle = (year) => new URL(`pagefind/${year}/`, root);
  const pagefind = await import(new URL("pagefind.js", bundle(years[0])).href);
  await pagefind.options({ excerptLength: 24 });
  for (const year of years.slice(1)) await pagefind.mergeIndex(bundle(year).pathname);
  box.hidden = false;

  let latest = 0;
  async function show(query) {
    const asked = ++latest;
    const search = await pagefind.debouncedSearch(query, {}, 150);
    if (search === null) return; // a newer query is on its way
    const read = await Promise.all(search.results.slice(0, 30).map((r) => r.data()));
    if (asked !== latest) return; // and one came while these were read
    const matching = read.filter((result) => found(result, query));
    const results = matching.slice(0, 10);
    const items = results.map((result) => {
      const item = document.createElement("li");
      item.className = "search-result";
      const link = text(item, "a", "search-title", result.meta.title || result.url);
      link.href = new URL(result.url.replace(/^\//, ""), root).href;
      if (result.meta.issue) text(item, "p", "search-issue", result.meta.issue);
      if (result.meta.article) text(item, "p", "search-article", result.meta.article);
      const shown = text(item, "p", "search-excerpt", "");
      const part = around(result.content, query);
      if (part === null) excerpt(shown, result.excerpt);
      else {
        shown.append(document.createTextNode(part[0]));
        text(shown, "mark", "", part[1]);
        shown.append(document.createTextNode(part[2]));
      }
      return item;
    });
    const count = matching.length;
    status.textContent = !query.trim()
      ? ""
      : count === 1
        ? "1 issue found"
        : `${count} issues found`;
    list.replaceChildren(...items);
    list.dataset.query = query; // what the list shows the results of
  }

  input.addEventListener("input", () => show(input.value));
  const asked = new URLSearchParams(location.search).get("q");
  if (asked) {
    input.value = asked;
    show(asked);
  }
}

if (box) start();
