import type { Pixels } from '../../src/pipeline/pixels/rgba.js';
export declare function jsquashResize(image: Pixels, width: number, height: number): Promise<Pixels>;
/** Full-size decode with jSquash's mozjpeg, EXIF orientation not applied. */
export declare function jsquashDecodeJpeg(bytes: Uint8Array): Promise<Pixels>;
/** Full-size decode with jSquash's libwebp build. */
export declare function jsquashDecodeWebp(bytes: Uint8Array): Promise<Pixels>;
/** A JPEG from jSquash's mozjpeg (an encoder independent of ours); extra mozjpeg options pass through. */
export declare function jsquashEncodeJpeg(image: Pixels, options: { quality: number; progressive?: boolean; chroma_subsample?: number }): Promise<Uint8Array>;
/** Full-size decode with jSquash's AVIF decoder (libavif + dav1d), irot/imir not applied. */
export declare function jsquashDecodeAvif(bytes: Uint8Array): Promise<Pixels>;
