/** Writes over time: the full upload → variant → replace → delete cycle, preconditions, and concurrent writers. */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import roseWebp from '../../samples/webp/rose.webp?bytes';
import animatedGif from '../fixtures/animated-8-frames-32x32.gif?bytes';
import quadPng from '../fixtures/quadrants-64x48.png?bytes';
import strip from '../fixtures/strip-300x1.png?bytes';
import { decodeAny } from '../helpers/images.js';
import { bodyBytes, get } from '../helpers/worker.js';
import { type MasterJson, concat, expectProblem, remove, sha256Hex, upload } from './masters-client.js';

describe('the full cycle: upload → variant → replace → new variant → delete', () => {
  it('never serves a variant of a master that was replaced or deleted', async () => {
    const variant = '/cdn-cgi/image/width=100/cycle/pic';
    const created = await upload('cycle/pic', roseWebp);
    expect(created.status).toBe(201);
    const v1 = (await created.json()) as MasterJson;

    const first = await get(variant, { Accept: '*/*' });
    expect(first.status).toBe(200);
    expect(first.headers.get('X-Cache')).toBe('MISS');
    const firstImage = await decodeAny(await bodyBytes(first));
    expect([firstImage.width, firstImage.height]).toEqual([100, 75]);
    const oldETag = first.headers.get('ETag')!;
    const hit = await get(variant, { Accept: '*/*' });
    expect(hit.headers.get('X-Cache')).toBe('HIT');
    await hit.arrayBuffer();

    const replaced = await upload('cycle/pic', strip);
    expect(replaced.status).toBe(200);
    const v2 = (await replaced.json()) as MasterJson;
    expect(v2.etag).not.toBe(v1.etag);
    expect(v2).toMatchObject({ width: 300, height: 1, format: 'png' });

    const second = await get(variant, { Accept: '*/*' });
    expect(second.status).toBe(200);
    expect(second.headers.get('X-Cache')).toBe('MISS');
    expect(second.headers.get('ETag')).not.toBe(oldETag);
    const secondImage = await decodeAny(await bodyBytes(second));
    expect([secondImage.width, secondImage.height]).toEqual([100, 1]);
    // A browser revalidating the old variant gets the new one, not a 304.
    const revalidated = await get(variant, { Accept: '*/*', 'If-None-Match': oldETag });
    expect(revalidated.status).toBe(200);
    await revalidated.arrayBuffer();
    expect(((await (await get('/masters/cycle/pic')).json()) as MasterJson).etag).toBe(v2.etag);

    expect((await remove('cycle/pic')).status).toBe(204);
    await expectProblem(await get(variant, { Accept: '*/*' }), 404, 'no-master');
    await expectProblem(await get('/masters/cycle/pic'), 404, 'no-master');
    await expectProblem(await get('/originals/cycle/pic'), 404);
    expect((await env.MASTERS.list({ prefix: 'masters/cycle/' })).objects).toEqual([]);
  });

  it('serves a master created after a 404 was remembered', async () => {
    await expectProblem(await get('/cdn-cgi/image/width=10/cycle/late.png'), 404, 'no-master');
    expect((await upload('cycle/late.png', quadPng)).status).toBe(201);
    const response = await get('/cdn-cgi/image/width=10,format=png/cycle/late.png');
    expect(response.status).toBe(200);
    expect((await decodeAny(await bodyBytes(response))).width).toBe(10);
  });
});

describe('preconditions', () => {
  async function version(key: string, bytes: Uint8Array): Promise<string> {
    const response = await upload(key, bytes);
    expect(response.status).toBeLessThan(300);
    return response.headers.get('ETag')!;
  }

  it('If-None-Match: * creates, and refuses (412) when the master exists', async () => {
    const created = await upload('pre/create.png', quadPng, { 'If-None-Match': '*' });
    expect(created.status).toBe(201);
    const etag = created.headers.get('ETag');
    await expectProblem(await upload('pre/create.png', strip, { 'If-None-Match': '*' }), 412, 'precondition-failed');
    // Identical bytes too: the precondition is checked before the no-change shortcut.
    await expectProblem(await upload('pre/create.png', quadPng, { 'If-None-Match': '*' }), 412, 'precondition-failed');
    expect((await env.MASTERS.head('masters/pre/create.png'))!.httpEtag).toBe(etag);
  });

  it('If-Match replaces only the named version: a stale ETag gets 412', async () => {
    const e1 = await version('pre/match.png', quadPng);
    const e2 = await version('pre/match.png', strip);
    await expectProblem(await upload('pre/match.png', animatedGif, { 'If-Match': e1 }), 412, 'precondition-failed');
    expect((await env.MASTERS.head('masters/pre/match.png'))!.httpEtag).toBe(e2);

    const ok = await upload('pre/match.png', animatedGif, { 'If-Match': `"other", ${e2}` });
    expect(ok.status).toBe(200);
    const e3 = ok.headers.get('ETag')!;
    // The bare etag of the JSON answer works as well; a weak tag never matches (strong comparison).
    expect((await upload('pre/match.png', quadPng, { 'If-Match': e3.replaceAll('"', '') })).status).toBe(200);
    const e4 = (await env.MASTERS.head('masters/pre/match.png'))!.httpEtag;
    await expectProblem(await upload('pre/match.png', strip, { 'If-Match': `W/${e4}` }), 412);
  });

  it('If-Match on a master that is not there gets 412; If-Match: * needs one to exist', async () => {
    await expectProblem(await upload('pre/absent.png', quadPng, { 'If-Match': '"abc"' }), 412, 'precondition-failed');
    await expectProblem(await upload('pre/absent.png', quadPng, { 'If-Match': '*' }), 412, 'precondition-failed');
    expect(await env.MASTERS.head('masters/pre/absent.png')).toBeNull();
    await version('pre/absent.png', quadPng);
    expect((await upload('pre/absent.png', strip, { 'If-Match': '*' })).status).toBe(200);
  });

  it('DELETE honours If-Match', async () => {
    const e1 = await version('pre/delete.png', quadPng);
    await version('pre/delete.png', strip);
    await expectProblem(await remove('pre/delete.png', { 'If-Match': e1 }), 412, 'precondition-failed');
    expect(await env.MASTERS.head('masters/pre/delete.png')).not.toBeNull();
  });
});

describe('concurrent writers', () => {
  /** The same 32×32 GIF with a different counter after its trailer: n different files, each a valid master. */
  const bodies = (n: number, tag: string) => Array.from({ length: n }, (_, i) => concat(animatedGif, `${tag}-${i}`));

  it('20 PUTs of different bodies to one key end with one intact master whose bytes hash to its sha256', async () => {
    const all = bodies(20, 'race');
    const responses = await Promise.all(all.map((body) => upload('race/one.gif', body)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 201)).toBe(true);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    const answers = (await Promise.all(responses.map((r) => r.json()))) as MasterJson[];

    const listed = await env.MASTERS.list({ prefix: 'masters/race/' });
    expect(listed.objects.map((o) => o.key)).toEqual(['masters/race/one.gif']);
    const object = await env.MASTERS.get('masters/race/one.gif');
    const stored = new Uint8Array(await object!.arrayBuffer());
    expect(object!.customMetadata!.sha256).toBe(await sha256Hex(stored));
    expect(all.some((body) => body.length === stored.length && body.every((b, i) => b === stored[i]))).toBe(true);
    expect(object!.customMetadata).toMatchObject({ format: 'gif', width: '32', height: '32', animated: 'true' });
    // The winner's answer names the stored version.
    expect(answers.map((a) => a.etag)).toContain(object!.etag);
    expect(((await (await get('/masters/race/one.gif')).json()) as MasterJson).etag).toBe(object!.etag);
  });

  it('of 20 concurrent creates with If-None-Match: *, exactly one wins; the rest get 412', async () => {
    const all = bodies(20, 'create');
    const responses = await Promise.all(all.map((body) => upload('race/create.gif', body, { 'If-None-Match': '*' })));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(19).fill(412)]);
    const winner = responses.find((r) => r.status === 201)!;
    const stored = await env.MASTERS.get('masters/race/create.gif');
    expect(stored!.httpEtag).toBe(winner.headers.get('ETag'));
    expect(stored!.customMetadata!.sha256).toBe(await sha256Hex(new Uint8Array(await stored!.arrayBuffer())));
    await Promise.all(responses.map((r) => r.arrayBuffer()));
  });

  it('of 20 concurrent replaces with one If-Match, exactly one wins; the rest get 412', async () => {
    const base = await upload('race/match.gif', animatedGif);
    const etag = base.headers.get('ETag')!;
    const all = bodies(20, 'match');
    const responses = await Promise.all(all.map((body) => upload('race/match.gif', body, { 'If-Match': etag })));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(19).fill(412)]);
    const winner = responses.find((r) => r.status === 200)!;
    expect((await env.MASTERS.head('masters/race/match.gif'))!.httpEtag).toBe(winner.headers.get('ETag'));
    await Promise.all(responses.map((r) => r.arrayBuffer()));
  });
});
