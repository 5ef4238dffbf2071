// Backpressure for a producer writing into a stream it does not own.

interface Emitter {
  on(event: string, fn: () => void): unknown;
  off(event: string, fn: () => void): unknown;
}

/** Resolves when the stream can take more, or when it closed (then the caller stops writing). Leaves no listener behind. */
export function drainedOrClosed(stream: Emitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
  });
}
