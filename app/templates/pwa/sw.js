// Cordon's service worker for the team tablet (docs/architecture.md, "The offline tablet").
// Written by hand, not with workbox: it does three things and says so here.
//
// 1. Precache the tablet's shell: the /team page, its CSS, every JavaScript module it imports, the
//    vendored libraries, the manifest and the icons. The server lists them and makes VERSION from
//    their content, so a deployment that changes any of them changes this file, and the browser
//    installs the new worker beside the old one.
// 2. Serve: the /team page network-first (the cached one when offline); the shell cache-first; a
//    site's description and plan image network-first, kept for the next offline reload. Nothing
//    else: the API, Socket.IO and staff pages go to the network as usual.
// 3. Update: a new worker waits until the page asks (the tablet shows "A new version is ready"
//    and reloads when the team taps it; its queued actions are in IndexedDB and survive), and
//    then removes the caches of older versions.
const VERSION = {{ version|tojson }};
const SHELL = {{ shell|tojson }};
const SHELL_CACHE = `cordon-shell-${VERSION}`;
const SITE_CACHE = "cordon-site";  // site descriptions and plans: kept across versions
const SITE = /^\/api\/v1\/exercises\/\d+\/site(\/plan)?$/;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) =>
    cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" })))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key.startsWith("cordon-shell-") && key !== SHELL_CACHE)
      .map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

self.addEventListener("message", (event) => {
  if (event.data === "update") self.skipWaiting();
});

async function networkFirst(request, cacheName, key = request) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(key, response.clone());
    return response;
  } catch (err) {
    const cached = await cache.match(key);
    if (cached) return cached;
    throw err;
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { cacheName: SHELL_CACHE, ignoreSearch: true });
  return cached || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname === "/team") {
    event.respondWith(networkFirst(request, SHELL_CACHE, "/team"));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(cacheFirst(request));
  } else if (SITE.test(url.pathname)) {
    event.respondWith(networkFirst(request, SITE_CACHE, url.pathname));
  }
});
