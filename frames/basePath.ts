/** Where the frames are mounted: every frame route, image and action URL lives under this path. */
export const FRAMES_BASE_PATH = '/frames';
