/** The longest public origin (PUBLIC_URL) whose frame URLs stay within frames v1's 256-byte limit: Frog's first
 * post_url adds ~190 bytes of state query to the origin. One rule, read by the config schema and the frames. */
export const MAX_ORIGIN_LENGTH = 56;
