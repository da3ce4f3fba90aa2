/**
 * Gives an ArrayBuffer's memory back at once instead of whenever V8 next collects it. Backing stores live outside the
 * JavaScript heap, and V8 lets tens of megabytes of them pile up as garbage before it collects (measured: a master's
 * 2 MiB head and read buffers left behind by every transform made an isolate's RSS climb over 100 transforms in a
 * row). Detaching a buffer (`transfer(0)`) frees its backing store now; every view of it reads as empty afterwards,
 * so only buffers that nothing else holds may be released.
 */
export function releaseBuffer(buffer: ArrayBufferLike | undefined): void {
  if (!buffer || buffer.byteLength === 0) return;
  const transfer = (buffer as { transfer?: (length?: number) => ArrayBuffer }).transfer;
  if (typeof transfer !== 'function') return;
  try {
    transfer.call(buffer, 0);
  } catch {
    // Not detachable (a WebAssembly memory's buffer, a SharedArrayBuffer): left to the collector.
  }
}
