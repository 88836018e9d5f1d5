/** Performance frames (frames v1 with Frog 0.18.3), mounted by src/app.ts under FRAMES_BASE_PATH. */
export { FRAMES_BASE_PATH } from './basePath.ts';
export type { FrameFont, FrameFontSource, ResvgWasm } from './createCardRenderer.ts';
export { createFrames, type Frames } from './createFrames.tsx';
export { loadFrameFonts } from './loadFrameFonts.ts';
export type { FramesConfig, FramesDeps } from './types.ts';
