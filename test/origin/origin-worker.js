// A stand-in for a site's own image server, run by the tests as a second local Worker: every outbound fetch of the
// worker under test (and of the tests themselves) is routed here (vitest.config.ts, outboundService).
//   PUT  /__files/<path>        store a file (body; Content-Type and ETag from the request headers)
//   GET  /__log                 the requests received so far (method, URL, headers), as JSON
//   DELETE /__log               forget them
//   GET  /images/<path>         the stored file, with ETag/Last-Modified; 304 on a matching If-None-Match
//   GET  /images/to/<base64url of a URL>   302 to that URL;  /images/loop/<n> 302s to /images/loop/<n+1> forever
//   GET  /slow                  answers after 3 s
//   GET  /huge                  streams 40 MiB
const files = new Map();
const log = [];

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname.startsWith('/__files/')) {
      const path = url.pathname.slice('/__files'.length);
      if (request.method === 'DELETE') files.delete(path);
      else files.set(path, { bytes: new Uint8Array(await request.arrayBuffer()), type: request.headers.get('Content-Type') ?? 'application/octet-stream', etag: request.headers.get('ETag') ?? `"${Date.now()}"`, modified: new Date().toUTCString() });
      return new Response(null, { status: 204 });
    }
    if (url.pathname === '/__log') {
      if (request.method === 'DELETE') log.length = 0;
      return Response.json(log);
    }
    log.push({ method: request.method, url: request.url, headers: Object.fromEntries(request.headers) });
    if (url.pathname.startsWith('/images/to/')) {
      const target = atob(url.pathname.slice('/images/to/'.length).replace(/-/g, '+').replace(/_/g, '/'));
      return new Response(null, { status: 302, headers: { Location: target } });
    }
    if (url.pathname.startsWith('/images/loop/')) return new Response(null, { status: 302, headers: { Location: `/images/loop/${Number(url.pathname.slice(13)) + 1}` } });
    if (url.pathname === '/images/slow.jpg') {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      return new Response('late');
    }
    if (url.pathname === '/images/huge.jpg') {
      let sent = 0;
      const chunk = new Uint8Array(1 << 20);
      chunk.set([0xff, 0xd8, 0xff, 0xe0]);
      const body = new ReadableStream({
        pull(controller) {
          if (sent >= 40) return controller.close();
          sent++;
          controller.enqueue(chunk);
        },
      });
      return new Response(body, { headers: { 'Content-Type': 'image/jpeg' } });
    }
    const file = files.get(url.pathname);
    if (!file) return new Response('not found', { status: 404 });
    const headers = { 'Content-Type': file.type, ETag: file.etag, 'Last-Modified': file.modified };
    if (request.headers.get('If-None-Match') === file.etag) return new Response(null, { status: 304, headers });
    return new Response(file.bytes, { headers });
  },
};
