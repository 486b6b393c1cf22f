"""What a web page tells the machines that read it: links that unfurl and cite.

Built here as data, and written by the layouts: the canonical URL, Open Graph and Twitter card tags
(the card a shared link shows), the `citation_*` tags that Zotero and Google Scholar read, and
JSON-LD (schema.org) naming the presented article as a ScholarlyArticle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .config import Settings
from .model import Issue


@dataclass(frozen=True)
class SocialImage:
    """The picture a shared link shows: its absolute URL and its alt text."""

    url: str
    alt: str = ""


@dataclass(frozen=True)
class MetaTag:
    """One `<meta>` element: `name` or `property`, its key and its content."""

    attribute: str
    key: str
    content: str


@dataclass(frozen=True)
class PageMeta:
    """A page's description, canonical URL, meta tags and JSON-LD (ready for a script element)."""

    canonical: str
    description: str
    tags: tuple[MetaTag, ...] = ()
    json_ld: str = ""


def social_image(issue: Issue) -> SocialImage | None:
    """The issue's image for link cards, when it has one."""
    if issue.image is None:
        return None
    return SocialImage(issue.image.url, issue.image_alt)


def _script_json(data: dict[str, Any]) -> str:
    """JSON for a `<script type="application/ld+json">`: nothing in it can end the element."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _property(key: str, content: str) -> MetaTag:
    return MetaTag("property", key, content)


def _name(key: str, content: str) -> MetaTag:
    return MetaTag("name", key, content)


def _card(
    settings: Settings, kind: str, title: str, description: str, url: str, image: SocialImage | None
) -> list[MetaTag]:
    """The Open Graph and Twitter card tags every page has."""
    tags = [
        _property("og:site_name", settings.name),
        _property("og:type", kind),
        _property("og:title", title),
        _property("og:description", description),
        _property("og:url", url),
    ]
    if image is not None:
        tags.append(_property("og:image", image.url))
        if image.alt:
            tags.append(_property("og:image:alt", image.alt))
    tags += [
        _name("twitter:card", "summary_large_image" if image is not None else "summary"),
        _name("twitter:title", title),
        _name("twitter:description", description),
    ]
    if image is not None:
        tags.append(_name("twitter:image", image.url))
        if image.alt:
            tags.append(_name("twitter:image:alt", image.alt))
    return tags


def _citation(issue: Issue) -> list[MetaTag]:
    """Highwire Press tags for the presented article, as Zotero and Google Scholar read them."""
    article = issue.article
    tags = [_name("citation_title", article.title)]
    tags += [_name("citation_author", author.name) for author in article.authors]
    tags.append(_name("citation_journal_title", article.publication))
    if article.date:
        tags.append(_name("citation_publication_date", article.date.replace("-", "/")))
    if article.doi:
        tags.append(_name("citation_doi", article.doi))
    if article.url:
        tags.append(_name("citation_fulltext_html_url", article.url))
    return tags


def _scholarly_article(issue: Issue) -> dict[str, Any]:
    """The presented article as a schema.org ScholarlyArticle."""
    article = issue.article
    authors = []
    for author in article.authors:
        person: dict[str, Any] = {"@type": "Person", "name": author.name}
        if author.name_native:
            person["alternateName"] = author.name_native
        authors.append(person)
    periodical: dict[str, Any] = {"@type": "Periodical", "name": article.publication}
    if article.publication_native:
        periodical["alternateName"] = article.publication_native
    data: dict[str, Any] = {
        "@type": "ScholarlyArticle",
        "headline": article.title,
        "name": article.title,
        "author": authors,
        "isPartOf": periodical,
    }
    if article.date:
        data["datePublished"] = article.date
    if article.doi:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": article.doi}
        data["sameAs"] = article.doi_url
    if article.url:
        data["url"] = article.url
    return data


def issue_page(settings: Settings, issue: Issue, image: SocialImage | None = None) -> PageMeta:
    """An issue's page: a card that unfurls as an article, citation tags, and its JSON-LD."""
    description = issue.subtitle or issue.title
    tags = _card(settings, "article", issue.title, description, issue.url, image)
    tags += [
        _property("article:published_time", issue.date.isoformat()),
        _property("article:modified_time", issue.updated.isoformat()),
    ]
    tags += [_property("article:tag", tag) for tag in issue.tags]
    tags += _citation(issue)
    publisher = {"@type": "Organization", "name": settings.name, "url": settings.site_url}
    editors = [{"@type": "Person", "name": name} for name in settings.editors]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Article",
        "@id": issue.url,
        "url": issue.url,
        "mainEntityOfPage": issue.url,
        "headline": issue.title,
        "description": description,
        "datePublished": issue.date.isoformat(),
        "dateModified": issue.updated.isoformat(),
        "inLanguage": settings.language,
        "author": editors or [publisher],
        "publisher": publisher,
        "isPartOf": {
            "@type": "PublicationIssue",
            "issueNumber": str(issue.number),
            "isPartOf": {"@type": "Periodical", "name": settings.name, "url": settings.site_url},
        },
        "about": _scholarly_article(issue),
    }
    if issue.tags:
        data["keywords"] = list(issue.tags)
    if image is not None:
        data["image"] = image.url
    return PageMeta(issue.url, description, tuple(tags), _script_json(data))


def listing_page(settings: Settings, title: str, description: str, url: str) -> PageMeta:
    """A page that lists issues (the archive, a topic): a card that unfurls as a website."""
    tags = _card(settings, "website", title, description, url, None)
    return PageMeta(url, description, tuple(tags))
