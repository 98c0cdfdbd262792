/**
 * Tells this process's event dispatchers that a command has just committed events, so they
 * sequence and deliver them now instead of at their next poll. Fire-and-forget: a listener only
 * schedules work, so the writer pays a function call. Other processes of a fleet find the events
 * at their next poll.
 */
type Listener = () => void;

const listeners = new Set<Listener>();

export function onEventsCommitted(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function signalEventsCommitted(): void {
  for (const listener of listeners) listener();
}
