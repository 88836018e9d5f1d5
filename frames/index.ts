/** Performance frames (Frog 0.18.3, frames v1) live here; they arrive with the frames issue and are mounted by
 * src/app.ts. Until then this module only names the mount point. */
export const FRAMES_BASE_PATH = '/frames';
