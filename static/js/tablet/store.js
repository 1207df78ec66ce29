// What the tablet keeps on the device, in IndexedDB (the vendored `idb`): the outbox (what the team
// did that the server has not accepted yet) and the last known state (the server's last snapshot
// and the events since), so that a reload or a browser restart without network shows the team
// what it had and keeps what it did. One database per joined participant (by token prefix).
//
// Where IndexedDB is not available (a private window of some browsers), everything still works
// for the life of the page; only what survives a reload is lost.
import { openDB } from "/static/vendor/idb/idb.js";

const MAX_EVENTS = 5000;  // the newest kept; a longer exercise's older events come back through sync

let db = null;

/** Open the participant's store (once). */
export async function openStore(prefix) {
  if (db) return db;
  try {
    db = await openDB(`cordon-tablet-${prefix}`, 1, {
      upgrade(database) {
        database.createObjectStore("outbox", { keyPath: "client_id" });
        database.createObjectStore("state");
        database.createObjectStore("events", { keyPath: "seq" });
      },
    });
  } catch {
    db = null;
  }
  return db;
}

// -- the outbox ----------------------------------------------------------------------------------------

/** Everything waiting to be sent, oldest first. */
export async function outboxItems() {
  if (!db) return [];
  const items = await db.getAll("outbox");
  return items.sort((a, b) => a.queued_at - b.queued_at || a.client_id.localeCompare(b.client_id));
}

export async function putOutbox(item) {
  if (db) await db.put("outbox", item);
}

export async function dropOutbox(clientId) {
  if (db) await db.delete("outbox", clientId);
}

// -- the last known state --------------------------------------------------------------------------------

/** Keep the server's latest snapshot (its `state` message). */
export async function saveSnapshot(snapshot) {
  if (db) await db.put("state", { snapshot, saved_at: Date.now() }, "snapshot");
}

/** Keep events as they are folded (live or caught up); the newest MAX_EVENTS. */
export async function saveEvents(events) {
  if (!db || !events.length) return;
  const tx = db.transaction("events", "readwrite");
  for (const ev of events) tx.store.put(ev);
  await tx.done;
  const count = await db.count("events");
  if (count > MAX_EVENTS) {
    const keys = await db.getAllKeys("events", null, count - MAX_EVENTS);
    const drop = db.transaction("events", "readwrite");
    for (const key of keys) drop.store.delete(key);
    await drop.done;
  }
}

/** What this tablet last knew: {snapshot, saved_at, events} or null. */
export async function lastKnown() {
  if (!db) return null;
  const saved = await db.get("state", "snapshot");
  if (!saved) return null;
  return { ...saved, events: await db.getAll("events") };
}

/** Forget everything (the tablet was signed out). */
export async function forget() {
  if (!db) return;
  await Promise.all(["outbox", "state", "events"].map((store) => db.clear(store)));
}
