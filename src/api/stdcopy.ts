// dockerd's multiplexed stream (moby's stdcopy): each chunk of a stream without
// a TTY goes out behind an 8-byte header, the stream (1 stdout, 2 stderr) and
// the payload's length, big-endian.
export function multiplexed(stream: 0 | 1 | 2, payload: Uint8Array): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}
