import { describe, expect, it } from 'vitest';
import { ImageError } from '../../src/http/problem';
import { parseOptions } from '../../src/options/parse';
import type { TransformOptions } from '../../src/options/types';

const limits = { maxOutputDimension: 8192 };

function parse(segment: string): TransformOptions {
  return parseOptions(segment, limits);
}

function rejection(segment: string): ImageError {
  try {
    parse(segment);
  } catch (error) {
    if (error instanceof ImageError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(segment)}`);
}

const defaults: TransformOptions = {
  dpr: 1,
  fit: 'scale-down',
  gravity: 'center',
  format: 'auto',
  rotate: 0,
  metadata: 'none',
  anim: true,
};

describe('parseOptions: accepted', () => {
  it('fills every default', () => {
    expect(parse('width=800')).toStrictEqual({ ...defaults, width: 800 });
  });

  it('reads a loader-style segment with aliases', () => {
    expect(parse('w=640,q=75,f=auto,fit=cover,g=0.5x0.3')).toStrictEqual({
      ...defaults,
      width: 640,
      quality: 75,
      format: 'auto',
      fit: 'cover',
      gravity: { x: 0.5, y: 0.3 },
    });
  });

  it.each<[string, Partial<TransformOptions>]>([
    ['width=1', { width: 1 }],
    ['width=8192', { width: 8192 }],
    ['w=640', { width: 640 }],
    ['w=007', { width: 7 }],
    ['height=1', { height: 1 }],
    ['h=8192', { height: 8192 }],
    ['dpr=1', { dpr: 1 }],
    ['dpr=1.5', { dpr: 1.5 }],
    ['dpr=2.25', { dpr: 2.25 }],
    ['dpr=3', { dpr: 3 }],
    ['fit=scale-down', { fit: 'scale-down' }],
    ['fit=contain', { fit: 'contain' }],
    ['fit=squeeze', { fit: 'squeeze' }],
    ['brightness=0.5', { brightness: 0.5 }],
    ['brightness=10', { brightness: 10 }],
    ['brightness=0', {}],
    ['contrast=1.25', { contrast: 1.25 }],
    ['contrast=0', {}],
    ['gamma=2.2', { gamma: 2.2 }],
    ['gamma=0', {}],
    ['saturation=0', { saturation: 0 }],
    ['saturation=1', { saturation: 1 }],
    ['saturation=2.5', { saturation: 2.5 }],
    ['compression=fast', { compression: 'fast' }],
    ['width=auto', { autoWidth: true }],
    ['w=auto,dpr=2', { autoWidth: true, dpr: 2 }],
    ['trim=1;2;3;4', { trim: { top: 1, right: 2, bottom: 3, left: 4 } }],
    ['trim=0;0;0;0.5', { trim: { top: 0, right: 0, bottom: 0, left: 0.5 } }],
    ['trim.left=30,trim.top=40', { trim: { top: 40, right: 0, bottom: 0, left: 30 } }],
    ['trim.width=678,trim.height=600', { trim: { top: 0, right: 0, bottom: 0, left: 0, width: 678, height: 600 } }],
    ['trim=1;2;3;4,trim.width=5', { trim: { top: 1, right: 2, bottom: 3, left: 4, width: 5 } }],
    ['trim.height=5,trim=1;2;3;4', { trim: { top: 1, right: 2, bottom: 3, left: 4, height: 5 } }],
    ['trim.right=65535', { trim: { top: 0, right: 65535, bottom: 0, left: 0 } }],
    ['fit=cover', { fit: 'cover' }],
    ['fit=crop', { fit: 'crop' }],
    ['fit=pad', { fit: 'pad' }],
    ['fit=aspect-crop', { fit: 'aspect-crop' }],
    ['gravity=auto', { gravity: 'auto' }],
    ['gravity=face', { gravity: 'face' }],
    ['g=face,zoom=0.5', { gravity: 'face', zoom: 0.5 }],
    ['gravity=face,face-zoom=1', { gravity: 'face', zoom: 1 }],
    ['gravity=face,zoom=0', { gravity: 'face', zoom: 0 }],
    ['slow-connection-quality=40', { slowConnectionQuality: 40 }],
    ['scq=low', { slowConnectionQuality: 'low' }],
    ['q=90,scq=1', { quality: 90, slowConnectionQuality: 1 }],
    ['trim=border', { trimBorder: { tolerance: 240, keep: 0 } }],
    ['trim=border,trim.border.color=%23ffffff', { trimBorder: { colour: { r: 255, g: 255, b: 255, a: 255 }, tolerance: 240, keep: 0 } }],
    ['trim.border.color=rgb(0 0 0 / 0),trim=border', { trimBorder: { colour: { r: 0, g: 0, b: 0, a: 0 }, tolerance: 240, keep: 0 } }],
    ['trim=border,trim.border.tolerance=0,trim.border.keep=1000', { trimBorder: { tolerance: 0, keep: 1000 } }],
    ['trim=border,trim.border.tolerance=255', { trimBorder: { tolerance: 255, keep: 0 } }],
    ['gravity=center', { gravity: 'center' }],
    ['gravity=left', { gravity: 'left' }],
    ['gravity=right', { gravity: 'right' }],
    ['gravity=top', { gravity: 'top' }],
    ['g=bottom', { gravity: 'bottom' }],
    ['gravity=0.5x0.3', { gravity: { x: 0.5, y: 0.3 } }],
    ['g=0x1', { gravity: { x: 0, y: 1 } }],
    ['g=1.0x0.00', { gravity: { x: 1, y: 0 } }],
    ['quality=1', { quality: 1 }],
    ['quality=100', { quality: 100 }],
    ['q=80', { quality: 80 }],
    ['quality=high', { quality: 'high' }],
    ['quality=medium-high', { quality: 'medium-high' }],
    ['q=medium-low', { quality: 'medium-low' }],
    ['q=low', { quality: 'low' }],
    ['format=auto', { format: 'auto' }],
    ['format=avif', { format: 'avif' }],
    ['format=webp', { format: 'webp' }],
    ['format=jpeg', { format: 'jpeg' }],
    ['format=baseline-jpeg', { format: 'baseline-jpeg' }],
    ['format=png', { format: 'png' }],
    ['f=json', { format: 'json' }],
    ['background=#fff', { background: { r: 255, g: 255, b: 255, a: 255 } }],
    ['background=#0f08', { background: { r: 0, g: 255, b: 0, a: 136 } }],
    ['background=#1a2b3c', { background: { r: 26, g: 43, b: 60, a: 255 } }],
    ['background=#1A2B3C80', { background: { r: 26, g: 43, b: 60, a: 128 } }],
    ['background=%23fff', { background: { r: 255, g: 255, b: 255, a: 255 } }],
    ['background=rgb(255,0,10)', { background: { r: 255, g: 0, b: 10, a: 255 } }],
    ['background=RGB(1,2,3)', { background: { r: 1, g: 2, b: 3, a: 255 } }],
    ['background=rgba(0,0,0,0.5)', { background: { r: 0, g: 0, b: 0, a: 128 } }],
    ['background=rgba(1,2,3,0)', { background: { r: 1, g: 2, b: 3, a: 0 } }],
    ['background=rgba(1,2,3,1)', { background: { r: 1, g: 2, b: 3, a: 255 } }],
    // Any CSS colour, as Cloudflare takes it.
    ['background=red', { background: { r: 255, g: 0, b: 0, a: 255 } }],
    ['background=rgba(0,0,0)', { background: { r: 0, g: 0, b: 0, a: 255 } }],
    ['background=rgb(0,0,0,1)', { background: { r: 0, g: 0, b: 0, a: 255 } }],
    ['background=rgb(1, 2, 3)', { background: { r: 1, g: 2, b: 3, a: 255 } }],
    ['background=hsl(120,100%,25%)', { background: { r: 0, g: 128, b: 0, a: 255 } }],
    ['rotate=0', { rotate: 0 }],
    ['rotate=90', { rotate: 90 }],
    ['rotate=180', { rotate: 180 }],
    ['rotate=270', { rotate: 270 }],
    ['flip=h', { flip: 'h' }],
    ['flip=v', { flip: 'v' }],
    ['flip=hv', { flip: 'hv' }],
    ['blur=1', { blur: 1 }],
    ['blur=2.5', { blur: 2.5 }],
    ['blur=250', { blur: 250 }],
    ['sharpen=0', { sharpen: 0 }],
    ['sharpen=1.5', { sharpen: 1.5 }],
    ['sharpen=10', { sharpen: 10 }],
    ['metadata=none', { metadata: 'none' }],
    ['metadata=copyright', { metadata: 'copyright' }],
    ['metadata=keep', { metadata: 'keep' }],
    ['anim=true', { anim: true }],
    ['anim=false', { anim: false }],
    ['onerror=redirect', { onerror: 'redirect' }],
  ])('%s', (segment, expected) => {
    expect(parse(segment)).toStrictEqual({ ...defaults, ...expected });
  });

  it('keeps commas inside rgb() in one option', () => {
    expect(parse('w=10,background=rgba(1,2,3,0.2),h=20')).toStrictEqual({
      ...defaults,
      width: 10,
      height: 20,
      background: { r: 1, g: 2, b: 3, a: 51 },
    });
  });

  it.each([
    ['width=4096,dpr=2', 2],
    ['width=2730,dpr=3', 3],
    ['h=5461,dpr=1.5', 1.5],
    ['dpr=3', 3],
  ])('accepts dpr while the product stays within the limit: %s', (segment, dpr) => {
    expect(parse(segment).dpr).toBe(dpr);
  });

  it('accepts a segment of exactly 1024 characters', () => {
    const segment = `width=${'0'.repeat(1017)}1`;
    expect(segment).toHaveLength(1024);
    expect(parse(segment).width).toBe(1);
  });
});

describe('parseOptions: rejected with 400 naming the option', () => {
  it.each([
    // unknown and unsupported names
    ['foo=1', 'foo'],
    ['Width=1', 'Width'],
    ['W=1', 'W'],
    ['trim=10', 'trim'],
    ['border=1', 'border'],
    ['constructor=1', 'constructor'],
    ['__proto__=1', '__proto__'],
    ['toString=1', 'toString'],
    // width / height
    ['width=0', 'width'],
    ['width=8193', 'width'],
    ['w=0', 'w'],
    ['width=1.5', 'width'],
    ['width=1.0', 'width'],
    ['width=-1', 'width'],
    ['width=+1', 'width'],
    ['width=1e3', 'width'],
    ['width=0x10', 'width'],
    ['width= 1', 'width'],
    ['width=1 ', 'width'],
    ['width=NaN', 'width'],
    ['width=Infinity', 'width'],
    ['width=', 'width'],
    ['height=auto', 'height'],
    ['width=auto,w=5', 'w'],
    ['h=auto', 'h'],
    ['height=0', 'height'],
    ['h=99999', 'h'],
    ['height=auto', 'height'],
    // dpr
    ['dpr=0.5', 'dpr'],
    ['dpr=0', 'dpr'],
    ['dpr=3.01', 'dpr'],
    ['dpr=4', 'dpr'],
    ['dpr=abc', 'dpr'],
    ['dpr=1.', 'dpr'],
    ['dpr=.5', 'dpr'],
    ['dpr=1e0', 'dpr'],
    ['dpr=Infinity', 'dpr'],
    // fit
    ['fit=fill', 'fit'],
    ['fit=Cover', 'fit'],
    ['fit=', 'fit'],
    // gravity
    ['zoom=0.5', 'zoom'],
    ['gravity=auto,zoom=0.5', 'zoom'],
    ['gravity=face,zoom=1.5', 'zoom'],
    ['gravity=face,zoom=-1', 'zoom'],
    ['gravity=face,zoom=0.5,face-zoom=0.5', 'zoom'],
    ['scq=0', 'slow-connection-quality'],
    ['scq=101', 'scq'],
    ['slow-connection-quality=fast', 'slow-connection-quality'],
    ['trim.border.color=red', 'trim=border'],
    ['trim=1;2;3;4,trim.border.keep=1', 'trim=border'],
    ['trim=border,trim.border.color=notacolour', 'trim.border.color'],
    ['trim=border,trim.border.tolerance=256', 'trim.border.tolerance'],
    ['trim=border,trim.border.tolerance=1.5', 'trim.border.tolerance'],
    ['trim=border,trim.border.keep=-1', 'trim.border.keep'],
    ['trim=border,trim.border.keep=1001', 'trim.border.keep'],
    ['trim=border,trim.left=3', 'trim.left'],
    ['trim.width=30,trim=border', 'trim.width'],
    ['fit=aspectcrop', 'fit'],
    ['gravity=north', 'gravity'],
    ['gravity=1.1x0.5', 'gravity'],
    ['gravity=0.5x1.01', 'gravity'],
    ['gravity=-0.1x0.5', 'gravity'],
    ['gravity=0.5x', 'gravity'],
    ['gravity=0.5', 'gravity'],
    ['gravity=0.5x0.5x0.5', 'gravity'],
    ['gravity=0.5X0.5', 'gravity'],
    ['gravity=1e-1x0.5', 'gravity'],
    // quality
    ['quality=0', 'quality'],
    ['quality=101', 'quality'],
    ['quality=50.5', 'quality'],
    ['q=best', 'q'],
    ['quality=High', 'quality'],
    // format
    ['format=gif', 'format'],
    ['f=jpg', 'f'],
    ['format=AVIF', 'format'],
    // background
    ['background=fff', 'background'],
    ['background=#ff', 'background'],
    ['background=#fffff', 'background'],
    ['background=#fffffff', 'background'],
    ['background=#ggg', 'background'],
    ['background=rgb(256,0,0)', 'background'],
    ['background=rgba(0,0,0,1.5)', 'background'],
    ['background=rgb(0,0)', 'background'],
    ['background=rgb(-1,0,0)', 'background'],
    ['background=notacolour', 'background'],
    ['background=hsl(120,100,25)', 'background'],
    ['background=rgb(1 2 3 4)', 'background'],
    ['background=rgb(1,2,3', 'background'],
    ['background=', 'background'],
    // rotate, flip
    ['rotate=45', 'rotate'],
    ['rotate=360', 'rotate'],
    ['rotate=-90', 'rotate'],
    ['rotate=90.0', 'rotate'],
    ['rotate=constructor', 'rotate'],
    ['rotate=__proto__', 'rotate'],
    ['fit=constructor', 'fit'],
    ['flip=x', 'flip'],
    ['flip=vh', 'flip'],
    // blur, sharpen
    ['blur=0', 'blur'],
    ['blur=0.5', 'blur'],
    ['blur=251', 'blur'],
    ['sharpen=-1', 'sharpen'],
    ['sharpen=10.5', 'sharpen'],
    ['sharpen=11', 'sharpen'],
    // metadata, anim, onerror
    ['metadata=all', 'metadata'],
    ['anim=yes', 'anim'],
    ['anim=1', 'anim'],
    ['anim=TRUE', 'anim'],
    ['onerror=ignore', 'onerror'],
    // duplicates, aliases included
    ['width=1,width=2', 'width'],
    ['w=1,width=2', 'width'],
    ['height=1,h=2', 'height'],
    ['q=1,quality=2', 'quality'],
    ['f=auto,format=webp', 'format'],
    ['g=left,gravity=right', 'gravity'],
    ['fit=cover,w=1,fit=cover', 'fit'],
    // structure
    ['width', 'width'],
    ['width=1,height', 'height'],
    ['=5', 'empty name'],
    ['width=1,,h=2', 'empty option'],
    [',width=1', 'empty option'],
    ['width=1,', 'empty option'],
    ['', 'empty option'],
    ['compression=slow', 'compression'],
    ['compression=Fast', 'compression'],
    // trim
    ['trim=1;2;3', 'trim'],
    ['trim=1;2;3;4;5', 'trim'],
    ['trim=1;2;3;-4', 'trim'],
    ['trim=1;2;3;x', 'trim'],
    ['trim=1;2;3;65536', 'trim'],
    ['trim=1,2,3,4', 'trim'],
    ['trim.left=-1', 'trim.left'],
    ['trim.width=0', 'trim.width'],
    ['trim.height=1e2', 'trim.height'],
    ['trim.depth=1', 'trim.depth'],
    ['trim.left=1,trim.left=2', 'trim.left'],
    ['trim=1;2;3;4,trim.left=2', 'trim.left'],
    ['trim.top=2,trim=1;2;3;4', 'trim.top'],
    // tone factors
    ['brightness=-1', 'brightness'],
    ['brightness=10.5', 'brightness'],
    ['brightness=x', 'brightness'],
    ['contrast=1e1', 'contrast'],
    ['contrast=11', 'contrast'],
    ['gamma=.5', 'gamma'],
    ['gamma=NaN', 'gamma'],
    ['saturation=-0.5', 'saturation'],
    ['saturation=', 'saturation'],
    ['brightness=1,brightness=2', 'brightness'],
    // not a fit Cloudflare documents
    ['fit=stretch', 'fit'],
    // dpr pushing the output over the limit
    ['width=4000,dpr=3', 'dpr'],
    ['dpr=2,w=5000', 'dpr'],
    ['height=8192,dpr=1.5', 'dpr'],
    ['width=2731,dpr=3', 'dpr'],
  ])('%s', (segment, named) => {
    const error = rejection(segment);
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid-option');
    expect(error.detail).toContain(named);
  });

  it.each(['height=auto', 'segment=foreground', 'upscale=generate', 'border=1'])('says %s is not supported', (segment) => {
    expect(rejection(segment).detail).toContain('not supported');
  });

  it('rejects a segment over 1024 characters before reading it', () => {
    const error = rejection(`width=${'0'.repeat(1018)}1`);
    expect(error.status).toBe(400);
    expect(error.detail).toContain('1024');
  });

  it('keeps an echoed value short', () => {
    expect(rejection(`fit=${'x'.repeat(500)}`).detail.length).toBeLessThan(200);
  });
});
