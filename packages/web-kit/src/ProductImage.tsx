import { useState } from 'react';

interface Props {
  src: string;
  /** The product's title: the picture's alternative text, and the tile's letter when it cannot load. */
  title: string;
  className?: string;
  width: number;
  height: number;
  /** Empty alternative text: the title is already beside the picture (a table row). */
  decorative?: boolean;
  /** Told whether the picture loaded (true) or not (false), e.g. for a note under a preview. */
  onLoadResult?: (loaded: boolean) => void;
  /** `eager` for small pictures that are all needed at once (a table's thumbnails). */
  loading?: 'lazy' | 'eager';
}

/**
 * A product's picture, or, when it cannot be loaded (an address that does not answer, not an
 * image, blocked), a tile with the title's first letter instead of the browser's broken-image
 * icon. The storefront and the console show the same tile.
 */
export function ProductImage({ src, title, className = '', width, height, decorative = false, onLoadResult, loading = 'lazy' }: Props) {
  // The address that failed: a new address (an edit, a live rename) gets its own chance.
  const [failedSrc, setFailedSrc] = useState<string | null>(null);
  const failed = failedSrc === src;

  if (failed || !src) {
    const letter = (title.trim()[0] ?? '?').toUpperCase();
    return decorative ? (
      <div className={`${className} image-fallback`} aria-hidden="true">
        {letter}
      </div>
    ) : (
      <div className={`${className} image-fallback`} role="img" aria-label={`No picture of ${title}`}>
        {letter}
      </div>
    );
  }
  return (
    <img
      className={className}
      src={src}
      alt={decorative ? '' : title}
      width={width}
      height={height}
      loading={loading}
      decoding="async"
      onLoad={() => onLoadResult?.(true)}
      onError={() => {
        setFailedSrc(src);
        onLoadResult?.(false);
      }}
    />
  );
}
