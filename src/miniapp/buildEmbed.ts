/** What a share page's embed launches. */
export interface EmbedInput {
  /** The 3:2 card image (https, at most 1024 characters). */
  imageUrl: string;
  /** At most 32 characters. */
  buttonTitle: string;
  /** The app's name (the schema requires it, though the docs call it optional). */
  name: string;
  /** Where the app opens: the performance's deep link. */
  url: string;
  splashImageUrl: string;
  splashBackgroundColor: string;
}

/** The `fc:miniapp` embed JSON and its legacy `fc:frame` twin (same, with action type `launch_frame`), for the meta
 * tags of a share page. Pure. https://miniapps.farcaster.xyz/docs/specification#mini-app-embed */
export function buildEmbed(input: EmbedInput): { miniapp: object; frame: object } {
  const action = {
    name: input.name,
    url: input.url,
    splashImageUrl: input.splashImageUrl,
    splashBackgroundColor: input.splashBackgroundColor,
  };
  const embed = (type: 'launch_miniapp' | 'launch_frame') => ({
    version: '1',
    imageUrl: input.imageUrl,
    button: { title: input.buttonTitle, action: { type, ...action } },
  });
  return { miniapp: embed('launch_miniapp'), frame: embed('launch_frame') };
}
