"""The curation pages for the Actie Leer Netwerk (/beheer; Dutch, server-rendered, no JavaScript).

    login.py     /beheer/inloggen, /beheer/uitloggen    log in / out (CSRF-protected, throttled)
    entries.py   /beheer, /beheer/items[...]            overview, list, new entry, edit, workflow,
                                                        history and restore; /beheer/api/items (JSON)
    imports.py   /beheer/import[...], /beheer/voorstellen/{id}   upload a document -> proposals beside
                                                        their near-duplicates; accept, merge or reject
    users.py     /beheer/gebruikers[...]                accounts (beheerders only)

Anonymous visitors get a redirect to the login page (GET), 401 (POST, JSON); curators who
open user management get 403 (web.auth.GuardedRoute). Every POST needs the session's CSRF
token. After each change to an entry, `Services.refresh()` updates the search index
incrementally and swaps in a new Searcher, so public search shows the change as soon as the
request returns. Shared helpers: web.curation_views.
"""
