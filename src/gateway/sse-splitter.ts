/** One server-sent event: its name, its data lines joined, and its text to pass on unchanged. */
export interface SseEvent {
  event: string | undefined;
  data: string;
  /** The event's lines and the blank line that ends it, as received (line ends normalized to \n). */
  raw: string;
}

/**
 * Splits a stream of SSE text into whole events as chunks arrive, keeping only the unfinished tail, so that
 * the gateway can look at each event (to read usage, or to hold back the usage chunk it asked for) without
 * buffering the stream. Comments and retry lines stay in `raw` and pass through.
 */
export class SseSplitter {
  private tail = '';

  /** Adds decoded text and returns the events it completed. */
  push(text: string): SseEvent[] {
    // CRLF and LF both end lines in SSE; upstreams mix them, and one form makes the boundary search simple.
    let buffer = this.tail + (text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text);
    const events: SseEvent[] = [];
    let boundary = buffer.indexOf('\n\n');
    while (boundary !== -1) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      events.push(parseBlock(block));
      boundary = buffer.indexOf('\n\n');
    }
    this.tail = buffer;
    return events;
  }

  /** The unfinished event at the end of the stream, if the upstream closed without its blank line. */
  finish(): SseEvent[] {
    const rest = this.tail;
    this.tail = '';
    return rest.trim() === '' ? [] : [parseBlock(rest)];
  }
}

function parseBlock(block: string): SseEvent {
  let event: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
    else if (line.startsWith('event:')) event = line.slice(6).trim();
  }
  return { event, data: data.join('\n'), raw: `${block}\n\n` };
}
