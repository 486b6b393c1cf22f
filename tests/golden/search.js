// The archive's search box: Pagefind's index of every published issue (out/pagefind/), searched
// in the reader's browser; no server. Copied as it is to out/search.js, the site's root: every
// other address is found from this file's own. Text from the index is only ever set as text.
const box = document.querySelector(".search");
const root = new URL(".", import.meta.url);

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

async function start() {
  const input = box.querySelector(".search-input");
  const status = box.querySelector(".search-status");
  const list = box.querySelector(".search-results");
  const pagefind = await import(new URL("pagefind/pagefind.js", root).href);
  await pagefind.options({ excerptLength: 24 });
  box.hidden = false;

  let latest = 0;
  async function show(query) {
    const asked = ++latest;
    const found = await pagefind.debouncedSearch(query, {}, 150);
    if (found === null) return; // a newer query is on its way
    const results = await Promise.all(found.results.slice(0, 10).map((r) => r.data()));
    if (asked !== latest) return; // and one came while these were read
    const items = results.map((result) => {
      const item = document.createElement("li");
      item.className = "search-result";
      const link = text(item, "a", "search-title", result.meta.title || result.url);
      link.href = new URL(result.url.replace(/^\//, ""), root).href;
      if (result.meta.issue) text(item, "p", "search-issue", result.meta.issue);
      if (result.meta.article) text(item, "p", "search-article", result.meta.article);
      excerpt(text(item, "p", "search-excerpt", ""), result.excerpt);
      return item;
    });
    const count = found.results.length;
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
