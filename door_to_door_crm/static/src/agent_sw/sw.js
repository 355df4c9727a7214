// Service worker of the offline agent app (scope /d2d/). After one online
// start it serves the app's page and its asset bundle from its cache, so the
// page opens again with no network; data requests always go to the network
// (the app keeps its data in IndexedDB and queues what it cannot send).
const CACHE = "d2d-agent-v1";
const PAGE = "/d2d/agent";
// Seconds to wait for the network before the cached page is served: a
// network holding the connection open must not keep the app from opening.
const PAGE_TIMEOUT = 10;
// Seconds to wait for an asset bundle not cached yet.
const ASSET_TIMEOUT = 60;

/** fetch, aborted after `seconds` (the promise rejects, as offline). */
function fetchWithin(seconds, resource, options = {}) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), seconds * 1000);
    return fetch(resource, {...options, signal: controller.signal}).finally(() => clearTimeout(timer));
}

async function cachePageAndAssets() {
    const cache = await caches.open(CACHE);
    const response = await fetchWithin(PAGE_TIMEOUT, PAGE, {credentials: "same-origin", cache: "no-store"});
    if (!response.ok || response.redirected) {
        return; // not signed in: nothing to keep
    }
    const html = await response.clone().text();
    await cache.put(PAGE, response);
    const assets = [...new Set(html.match(/\/web\/assets\/[^"'\s)]+/g) || [])];
    await Promise.all(
        assets.map((url) =>
            fetchWithin(ASSET_TIMEOUT, url, {credentials: "same-origin"}).then((r) => r.ok && cache.put(url, r))
        )
    );
}

self.addEventListener("install", (event) => {
    event.waitUntil(cachePageAndAssets().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
    event.waitUntil(
        caches
            .keys()
            .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
            .then(() => self.clients.claim())
    );
});

self.addEventListener("fetch", (event) => {
    const url = new URL(event.request.url);
    if (event.request.method !== "GET" || url.origin !== self.location.origin) {
        return;
    }
    if (url.pathname === PAGE) {
        // network first: a fresh page (and user) when online, the cached one offline
        event.respondWith(
            fetchWithin(PAGE_TIMEOUT, event.request)
                .then(async (response) => {
                    if (response.ok && !response.redirected) {
                        const copy = response.clone();
                        caches.open(CACHE).then((cache) => cache.put(PAGE, copy));
                        return response;
                    }
                    // the server is there but failing (5xx): the cached app still works
                    return (response.status >= 500 && (await caches.match(PAGE))) || response;
                })
                .catch(() => caches.match(PAGE))
        );
    } else if (url.pathname.startsWith("/web/assets/")) {
        // bundles are named by their content: the cache is always right
        event.respondWith(
            caches.match(event.request).then(
                (cached) =>
                    cached ||
                    fetchWithin(ASSET_TIMEOUT, event.request).then((response) => {
                        const copy = response.clone();
                        caches.open(CACHE).then((cache) => cache.put(event.request, copy));
                        return response;
                    })
            )
        );
    }
});
