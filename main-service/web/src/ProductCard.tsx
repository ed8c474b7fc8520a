import { useState } from 'react';
import type { Product } from './api';

interface Props {
  product: Product;
  liked: boolean;
  signedIn: boolean;
  /** Resolves to a message when the like failed. */
  onLike(product: Product): Promise<string | null>;
}

export function ProductCard({ product, liked, signedIn, onLike }: Props) {
  const [error, setError] = useState<string | null>(null);
  const [imageFailed, setImageFailed] = useState(false);
  const titleId = `product-${product.id}-title`;
  const likesLabel = `${product.likes} ${product.likes === 1 ? 'like' : 'likes'}`;

  return (
    <li className="product card" aria-labelledby={titleId} data-product-id={product.id}>
      {imageFailed ? (
        <div className="image placeholder" role="img" aria-label={`No picture of ${product.title}`}>
          {product.title.slice(0, 1).toUpperCase()}
        </div>
      ) : (
        <img className="image" src={product.image} alt={product.title} width={400} height={300} loading="lazy" decoding="async" onError={() => setImageFailed(true)} />
      )}
      <h3 id={titleId}>{product.title}</h3>
      <div className="like-row">
        <span className="likes" aria-live="polite">
          {likesLabel}
        </span>
        <button
          type="button"
          className={liked ? 'liked' : 'primary'}
          aria-pressed={liked}
          disabled={liked}
          aria-label={liked ? `Liked ${product.title}` : signedIn ? `Like ${product.title}` : `Like ${product.title} (sign in first)`}
          onClick={async () => {
            setError(null);
            setError(await onLike(product));
          }}
        >
          <span aria-hidden="true">{liked ? '♥' : '♡'}</span> {liked ? 'Liked' : 'Like'}
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
