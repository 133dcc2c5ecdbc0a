/* Weiguang's service worker (served as /sw.js by core/offline_views.py, scope: the whole site).
   - the app shell (styles, scripts, icons): cache first, in a cache named by the shell's version
     (a hash of the shell's files and of this worker: a deploy that changes any of them serves a
     new /sw.js, which the browser installs; it fills new caches and, once active, deletes the
     caches of every other version, so the old scripts are not served again);
   - the offline pages (the field kit, the offline notice): network first, their last copy when
     the network fails;
   - any other page: the network; when it fails, the offline notice;
   - the API and every other request: untouched (never cached). */
"use strict";
const VERSION = "{{ version }}";
const STATIC_CACHE = "wg-static-" + VERSION;
const PAGE_CACHE = "wg-pages-" + VERSION;
const SHELL = {{ shell|safe }};
const PAGES = {{ pages|safe }};
const OFFLINE = {{ offline|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    // From the server, never from the browser's HTTP cache (static files may be kept there a
    // while): a new version must not fill its cache with the files of the one before.
    const shell = await caches.open(STATIC_CACHE);
    await shell.addAll(SHELL.map((url) => new Request(url, { cache: "reload" })));
    const pages = await caches.open(PAGE_CACHE);
    await Promise.all(PAGES.map(async (url) => {
      try {
        const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
        if (response.ok && !response.redirected) await pages.put(url, response);
      } catch (err) { /* offline while installing: kept at the next visit */ }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("wg-") && name !== STATIC_CACHE && name !== PAGE_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (SHELL.includes(url.pathname)) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request, url));
  }
});

async function cacheFirst(request) {
  const cache = await caches.open(STATIC_CACHE);
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function page(request, url) {
  const kept = PAGES.includes(url.pathname);
  const cache = await caches.open(PAGE_CACHE);
  try {
    const response = await fetch(request);
    if (kept && response.ok && !response.redirected) {
      await cache.put(url.pathname, response.clone());
    } else if (kept && response.redirected) {
      await cache.delete(url.pathname); // logged out: the copy was someone's page
    }
    return response;
  } catch (err) {
    return (await cache.match(kept ? url.pathname : OFFLINE)) || (await cache.match(OFFLINE)) || Response.error();
  }
}
