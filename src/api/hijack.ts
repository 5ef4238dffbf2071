// Taking over a connection for a raw stream both ways, as dockerd's attach and
// exec start do. A client that asks to upgrade (Connection: Upgrade, Upgrade: tcp)
// gets "101 UPGRADED" and the bare socket: it may shut its write side (the
// container's stdin ends) and still read. A client that does not ask gets a 200
// raw-stream response: its request body is the input, the response body the output.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Duplex } from "node:stream";

export const RAW_STREAM = "application/vnd.docker.raw-stream";

/** Answers 101 on an upgraded socket and hands it over, with any bytes that came after the request head. */
export function hijackUpgraded(socket: Duplex, head: Buffer): Duplex {
  socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${RAW_STREAM}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
  if (head.length > 0) socket.unshift(head);
  return socket;
}

/** Answers 200 raw-stream and joins the request body (input) and the response body (output) into one stream. */
export function hijackResponse(req: IncomingMessage, res: ServerResponse): Duplex {
  res.writeHead(200, { "Content-Type": RAW_STREAM });
  res.flushHeaders();
  // Node's Duplex.from takes a pair of Node streams too; bun-types declare only the web-stream pair.
  return Duplex.from({ readable: req, writable: res } as unknown as Parameters<typeof Duplex.from>[0]);
}
